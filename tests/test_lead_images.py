"""Lead images are drawn by code, deterministically, one per post that names one."""

from __future__ import annotations

import re

import yaml

from ddl_site import lead_images
from sitebuild import REPO


def front_matter(path):
    text = path.read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, flags=re.DOTALL)
    return yaml.safe_load(match.group(1)) if match else {}


def test_every_post_image_has_a_drawing():
    drawings = lead_images.load_drawings()
    for post in sorted((REPO / "book").glob("*.md")):
        image = front_matter(post).get("image")
        if image:
            assert image.removeprefix("./") in drawings, f"{post.name}: no drawing for {image}"


def test_drawings_are_deterministic(tmp_path):
    for filename in sorted(lead_images.load_drawings()):
        assert lead_images.render(filename) == lead_images.render(filename), filename


def test_write_all_rewrites_only_changed_files(tmp_path):
    first = lead_images.write_all(tmp_path)
    assert {p.name for p in first} == set(lead_images.load_drawings())
    assert lead_images.write_all(tmp_path) == []
    victim = first[0]
    victim.write_bytes(b"stale")
    assert lead_images.write_all(tmp_path) == [victim]


def test_unchanged_drawings_are_not_redrawn(tmp_path, monkeypatch):
    lead_images.write_all(tmp_path)
    calls = []
    monkeypatch.setattr(lead_images, "render", lambda name: calls.append(name) or b"")
    assert lead_images.write_all(tmp_path) == []
    assert calls == [], "a drawing whose code did not change was drawn again"


def test_a_change_in_imported_package_code_redraws(tmp_path, monkeypatch):
    lead_images.write_all(tmp_path)
    name = "why-maths.jpg"
    sources = lead_images.drawing_sources(name)
    assert "ddl_site.art.part00" in sources and "ddl_site.lead_images" in sources
    changed = {**sources, "ddl_site.lead_images": "edited"}
    monkeypatch.setattr(lead_images, "drawing_sources", lambda n: changed if n == name else sources)
    calls = []
    real_render = lead_images.render
    monkeypatch.setattr(lead_images, "render", lambda n: calls.append(n) or real_render(n))
    lead_images.write_all(tmp_path)
    assert name in calls
