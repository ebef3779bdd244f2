extensions = ["myst_nb", "ddl_site.blog.events"]
project = "Test blog"
html_title = "Test blog"
html_baseurl = "https://example.org/blog/"
myst_title_to_header = True
nb_execution_mode = "off"
exclude_patterns = ["_build"]
ddl_giscus = {
    "repo": "owner/repo",
    "repo_id": "R_test",
    "category": "Comments",
    "category_id": "DIC_test",
}
