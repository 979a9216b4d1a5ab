"""Every relative link and image of README.md and docs/*.md points at a file of the repo
(resolved from the page's folder, as GitHub renders it)."""
import re
from pathlib import Path

import pytest

from .test_commands import PAGES, REPO


def relative_targets(page: Path):
    """The page's link and image targets that are paths (no URL, no in-page anchor),
    without their ``#fragment``."""
    for target in re.findall(r'\]\(([^)\s]+)\)', page.read_text()):
        if not re.match(r'^([a-z]+:|#)', target):
            yield target.split('#')[0]


@pytest.mark.parametrize('page', PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    missing = [t for t in relative_targets(page) if not (page.parent / t).exists()]
    assert not missing, f'{page.name}: {missing}'


def test_links_are_found():
    assert 'docs/testing.md' in list(relative_targets(REPO / 'README.md'))
    assert 'convergence_make_demo_ap.png' in list(
        relative_targets(REPO / 'docs' / 'paper_analyses.md'))
