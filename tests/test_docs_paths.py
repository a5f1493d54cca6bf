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


def tree_paths() -> list[str]:
    """The folders and files of the tree drawn under "How it is built"."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("\n## How it is built\n", 1)[1].split("```\n", 2)[1]
    paths, parent = [], ""
    for line in block.splitlines():
        if not line.strip():
            continue
        names = line.split("   ")[0].strip()
        if not line.startswith(" "):
            parent = names if names.endswith("/") else ""
            paths.append(names)
            continue
        for name in names.split(","):
            name = name.strip()
            if name and (name.endswith("/") or name.endswith(".py")):
                paths.append(parent + name)
    return paths


def test_the_tree_in_the_readme_matches_the_tree():
    paths = tree_paths()
    assert "borrowers/accounts/" in paths and "repayment_plans/plans/" in paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"README's tree names what does not exist: {missing}"
    # And every feature folder of the apps is in the tree.
    for app in ("borrowers", "repayment_plans"):
        for folder in (ROOT / app).iterdir():
            if (folder / "__init__.py").exists() and folder.name not in (
                "migrations",
                "management",
                "templatetags",
            ):
                assert f"{app}/{folder.name}/" in paths, f"{app}/{folder.name}/ is not in the tree"
