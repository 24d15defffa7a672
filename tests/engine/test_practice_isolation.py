"""engine/practice is part of the engine: it imports nothing from the web layer."""

from __future__ import annotations

import ast
from pathlib import Path

import engine.practice

WEB = {"fastapi", "starlette", "pydantic", "jinja2", "uvicorn", "app"}
SOURCES = sorted(Path(engine.practice.__file__).parent.glob("*.py"))


def test_practice_modules_import_no_web_module() -> None:
    assert SOURCES
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & WEB, (path.name, names)
