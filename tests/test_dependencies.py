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


APPS = ("borrowers", "repayment_plans", "config")


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def module_level_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a module imports at its top level (what runs when it
    is imported), a ``from package import module`` counted as the module."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in modules:
                    found.add(submodule)
                elif node.module in modules:
                    found.add(node.module)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the import graph (its modules in order), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        if name in path:
            return path[path.index(name) :] + [name]
        if name in done:
            return None
        path.append(name)
        for target in sorted(graph.get(name, ())):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(name)
        return None

    for name in sorted(graph):
        if cycle := visit(name):
            return cycle
    return None


def test_no_import_cycle_between_modules():
    modules = project_modules()
    graph = {name: module_level_imports(path, modules) for name, path in modules.items()}
    assert "repayment_plans.tasks" in graph["repayment_plans.proposals.services"]
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_stand_at_the_top_of_modules():
    """No import inside a function stands in for a module import, except the
    AppConfig.ready of each app (signals and registrations, the Django way)."""
    offenders = []
    for name, path in sorted(project_modules().items()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if path.name == "apps.py" and node.name == "ready":
                continue
            offenders += [
                f"{name}:{sub.lineno}"
                for sub in ast.walk(node)
                if isinstance(sub, ast.Import | ast.ImportFrom)
            ]
    assert offenders == []
