"""The floor plan, checked on the source: `bot/` imports neither Bolt nor the web server, and
neither `bot/` nor `handlers/` imports the sandbox (a harness around the app). Every import
counts, at module level or inside a function, and `importlib.import_module("…")` too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)}: {module}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("bot", ("slack_bolt", "starlette", "uvicorn", "sandbox", "handlers")),
        ("handlers", ("sandbox",)),
    ],
)
def test_a_room_imports_nothing_it_must_not(package: str, forbidden: tuple[str, ...]) -> None:
    assert offending(package, forbidden) == []


def test_the_check_sees_lazy_and_importlib_imports(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text(
        "import importlib\n"
        "def later():\n"
        "    from starlette.requests import Request\n"
        "    return importlib.import_module('sandbox.fakeslack')\n"
    )
    assert set(imported_modules(source)) >= {"starlette.requests", "sandbox.fakeslack"}
