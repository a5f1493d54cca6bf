"""Dependencies run one way: repayment_plans may import borrowers, never the reverse."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_borrowers_never_imports_repayment_plans_not_even_inside_a_function():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "borrowers").rglob("*.py"))
        for name in sorted(imported_modules(path))
        if name == "repayment_plans" or name.startswith("repayment_plans.")
    ]
    assert offenders == []
