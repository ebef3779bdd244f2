"""Per-post description and Open Graph fields, from the front matter.

sphinxext-opengraph writes the tags; this module only says what a post's values are.
"""

from __future__ import annotations

from html import escape

from .frontmatter import Post


def image_alt(post: Post) -> str:
    """The lead image's alt text: its caption, or a description from the title."""
    return post.caption or f"Lead image for {post.title}"


def og_fields(post: Post, image_url: str | None) -> dict[str, str]:
    """Overrides read by sphinxext-opengraph (from the page's metadata)."""
    fields = {"og:type": "article"}
    if post.excerpt:
        fields["og:description"] = post.excerpt
    if image_url:
        fields["og:image"] = image_url
        fields["og:image:alt"] = image_alt(post)
    return fields


def meta_tags(post: Post) -> str:
    """``<meta name="description">`` and the article's date, for the page's head."""
    tags = []
    if post.excerpt:
        tags.append(f'<meta name="description" content="{escape(post.excerpt)}" />')
    tags.append(f'<meta property="article:published_time" content="{post.date.isoformat()}" />')
    return "\n".join(tags) + "\n"
