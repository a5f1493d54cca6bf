"""The README's table of environment variables names every variable that settings read."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_METHODS = {"str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "path"}
ENV_METHODS |= {"db_url", "db", "cache_url", "cache", "email_url", "email", "search_url"}


def settings_variables() -> set[str]:
    """NAME of every env.X("NAME", …) and environ.Env().X("NAME", …) in config/settings.py."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        reader = node.func.value
        from_env = (isinstance(reader, ast.Name) and reader.id == "env") or (
            isinstance(reader, ast.Call)
            and isinstance(reader.func, ast.Attribute | ast.Name)
            and getattr(reader.func, "attr", getattr(reader.func, "id", None)) == "Env"
        )
        if from_env and node.func.attr in ENV_METHODS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def readme_table_variables() -> set[str]:
    """The first column of the environment table under "## Production"."""
    readme = (ROOT / "README.md").read_text()
    production = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", production, flags=re.MULTILINE))


def test_the_settings_are_parsed():
    names = settings_variables()
    # Read through each style settings use: env.X(...), multi-line calls, environ.Env().X(...).
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "VAR_DIR"} <= names


def test_every_environment_variable_is_in_the_readme_table():
    missing = settings_variables() - readme_table_variables()
    assert not missing, f"add to the README's environment table: {sorted(missing)}"


def test_the_readme_table_names_no_variable_that_settings_do_not_read():
    stale = readme_table_variables() - settings_variables()
    assert not stale, f"no longer read by config/settings.py: {sorted(stale)}"
