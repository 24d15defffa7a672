"""engine/ is a library on its own: it imports nothing from the web stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import engine

WEB = {"fastapi", "starlette", "pydantic", "jinja2", "uvicorn", "app"}
ENGINE_DIR = Path(engine.__file__).parent
SOURCES = sorted(ENGINE_DIR.glob("*.py"))


def test_importing_the_engine_loads_no_web_module() -> None:
    # a fresh interpreter: this test process has the web stack loaded by tests/conftest.py
    code = (
        "import engine, sys; "
        f"bad=[m for m in sys.modules if m.split('.')[0] in {sorted(WEB)!r}]; "
        "assert not bad, bad; "
        "engine.train(engine.get_preset('sigmoid-2-2-2').load(), 3); "
        "engine.trace(engine.get_preset('batch-xor').load(), 'layer'); "
        f"bad=[m for m in sys.modules if m.split('.')[0] in {sorted(WEB)!r}]; "
        "assert not bad, bad"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ENGINE_DIR.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_engine_sources_import_no_web_module() -> None:
    assert len(SOURCES) >= 10  # the scan sees the engine
    for path in SOURCES:
        assert not (_imports(path) & WEB), path.name
        text = path.read_text(encoding="utf-8")
        assert "importlib" not in text and "__import__" not in text, path.name


def test_engine_needs_only_numpy_and_the_standard_library() -> None:
    third_party = set().union(*(_imports(p) for p in SOURCES)) - set(sys.stdlib_module_names)
    assert third_party == {"numpy"}
