"""Lead images are drawn by code, deterministically, one per post that names one."""

from __future__ import annotations

import re

import yaml

from sitebuild import REPO
from ddl_site import lead_images


def front_matter(path):
    text = path.read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, flags=re.S)
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
