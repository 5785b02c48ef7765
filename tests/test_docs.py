"""The README stays a README, and no page of the manual links to a file that is not there."""

import re
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

ROOT = Path(PROJECT_ROOT)
PAGES = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
SPLIT_TARGET = re.compile(r"\]\([^)\s]*\n")


def relative_links(page):
    text = INLINE_CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        yield target.split("#", 1)[0]


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < 250, f"README.md has {lines} lines; move the detail into docs/"


def test_the_manual_has_every_page_the_readme_names():
    names = {page.relative_to(ROOT).as_posix() for page in PAGES}
    needed = {"docs/design.md", "docs/style.md", "docs/glossary.md", "docs/deploy.md", "bench/README.md"}
    assert needed <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_to_a_file(page):
    dead = [target for target in relative_links(page) if not (page.parent / target).exists()]
    assert dead == []
    assert not SPLIT_TARGET.search(page.read_text(encoding="utf-8")), "a link address broken across lines"
    assert "../shared/" not in page.read_text(encoding="utf-8")
