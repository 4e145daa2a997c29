"""scripts/check_layout.py finds an import circle and an oversized module; the tree passes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_layout.py"


def _layout() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layout", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_circle_is_found() -> None:
    """A -> b -> c -> a is reported as that path; a tree without one reports none."""
    layout = _layout()
    assert layout.find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        "a",
        "b",
        "c",
        "a",
    ]
    assert layout.find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_tree_passes_and_a_big_module_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Heldar's modules pass; with a lower limit the largest of them is named."""
    layout = _layout()
    assert layout.main() == 0
    monkeypatch.setattr(layout, "MAX_LINES", 100)
    assert layout.main() == 1
    assert "custom_components.heldar.recorder.supervisor" in capsys.readouterr().err
