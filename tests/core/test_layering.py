"""Core is the floor every app stands on: it imports no other Safeguard app, so that any app
can use it without a cycle, and areas plug into it through ``safeguard.core.registry``."""

import ast
from pathlib import Path

import safeguard

SAFEGUARD = Path(safeguard.__file__).parent
CORE = SAFEGUARD / "core"
ALLOWED = ("safeguard.core", "safeguard.settings")


def _imports(path: Path):
    """Every module ``path`` imports, anywhere in it (functions included), with its line."""
    package = ".".join(path.relative_to(SAFEGUARD.parent).with_suffix("").parts[:-1])
    return _imports_in(path.read_text(), package)


def _imports_in(source: str, package: str):
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve it against this module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield node.lineno, module
            if module == "safeguard":  # "from safeguard import people" names an app
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            yield node.lineno, node.args[0].value


def _is_dynamic_import(node: ast.Call) -> bool:
    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    return (
        name in ("import_module", "import_string", "__import__")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _upward(module: str) -> bool:
    if module != "safeguard" and not module.startswith("safeguard."):
        return False
    if module == "safeguard":
        return False  # the project package itself holds nothing to depend on
    return not any(module == a or module.startswith(f"{a}.") for a in ALLOWED)


def test_core_imports_no_other_safeguard_app():
    modules = sorted(CORE.rglob("*.py"))
    assert len(modules) > 10  # the walk found core
    found = [
        f"{path.relative_to(SAFEGUARD.parent)}:{line} imports {module}"
        for path in modules
        for line, module in _imports(path)
        if _upward(module)
    ]
    assert found == []


def test_the_check_sees_every_kind_of_import():
    """The walk would catch a top-level, a function-level, a relative and a dynamic import."""
    sample = (
        "import safeguard.people.models\n"
        "def f():\n"
        "    from safeguard.learning import services\n"
        "    from ..referrals import rules\n"
        "    import_string('safeguard.releases.sweeps.x')\n"
        "from safeguard import engagement\n"
        "from safeguard.core import registry\n"
        "from django.conf import settings\n"
    )
    upward = sorted({m for _, m in _imports_in(sample, "safeguard.core") if _upward(m)})
    assert upward == [
        "safeguard.engagement",
        "safeguard.learning",
        "safeguard.people.models",
        "safeguard.referrals",
        "safeguard.releases.sweeps.x",
    ]
