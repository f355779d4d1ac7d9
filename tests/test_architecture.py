"""How the packages depend on one another: the course's definitions are a layer of their
own, which features read and which reads no feature."""

from __future__ import annotations

import ast
from pathlib import Path

import courseapp

PACKAGE = Path(courseapp.__file__).parent
# What the catalogue may use besides itself: settings (where the content folders are).
CATALOGUE_MAY_IMPORT = {"courseapp.catalogue", "courseapp.config"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "courseapp" or name.startswith("courseapp.")}


def test_the_catalogue_imports_no_feature():
    files = sorted((PACKAGE / "catalogue").glob("*.py"))
    assert files, "the catalogue package is missing"
    wrong = {
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if name != "courseapp"
        and not any(
            name == allowed or name.startswith(allowed + ".") for allowed in CATALOGUE_MAY_IMPORT
        )
    }
    assert not wrong, f"the catalogue imports features: {sorted(wrong)}"


def test_the_architecture_check_sees_a_feature_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from courseapp.accounts.models import User\nimport courseapp.reports\n")
    assert imported_modules(probe) >= {"courseapp.accounts.models", "courseapp.reports"}
