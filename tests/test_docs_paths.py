"""Every file or folder the README and docs/ name exists, and every relative
link between the documents leads somewhere: the description of the tree is
checked against the tree."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A path in backticks: at least one folder, then a file with an extension or a
# folder ending in "/"; an optional "#anchor" or "::name" is dropped.
PATH = re.compile(r"`((?:\.?[\w.-]+/)+(?:[\w.-]+\.\w+|))(?:[#:][^`]*)?`")
LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)#\s]+)(?:#[^)]*)?\)")
# Written in the documents as examples of what the app or a deployment makes.
NOT_IN_THE_TREE = ("var/", ".venv/", "media/", "/etc/", "/var/", "~/", "http")


def named_paths(document: Path) -> set[str]:
    return {
        path
        for path in PATH.findall(document.read_text())
        if not path.startswith(NOT_IN_THE_TREE) and "*" not in path and "<" not in path
    }


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_named_path_exists(document):
    missing = sorted(p for p in named_paths(document) if not (ROOT / p).exists())
    assert not missing, f"{document.name} names paths that do not exist: {missing}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_somewhere(document):
    targets = LINK.findall(document.read_text())
    missing = sorted(t for t in targets if not (document.parent / t).exists())
    assert not missing, f"{document.name} links to missing files: {missing}"


def test_the_check_reads_paths_at_all():
    assert "borrowers/debts/tiers.py" in named_paths(ROOT / "README.md")
