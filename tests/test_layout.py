"""scripts/check_layout.py: import circles, classes split across files, long modules named.

Each rule runs on a copy of the package with one mistake added, which it must report, and on
trees of the legitimate look-alikes (dataclasses, Protocols, ABCs...), which it must pass.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
import shutil
import sys
from textwrap import dedent
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_layout.py"


def _layout() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layout", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


layout = _layout()


def package(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (name: source) as a package at ``root``; return it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "__init__.py").touch()
    for name, text in files.items():
        (root / name).write_text(dedent(text), encoding="utf-8")
    return root


def copy_of_heldar(tmp_path: Path, extra: dict[str, str]) -> Path:
    """Return a copy of Heldar's package with the ``extra`` modules (name: source) added."""
    root = tmp_path / "heldar"
    shutil.copytree(layout.ROOT, root, ignore=shutil.ignore_patterns("__pycache__", "www"))
    return package(root, extra)


def new_problems(root: Path) -> list[str]:
    """Return the problems of ``root`` that Heldar's own package does not have."""
    return sorted(set(layout.problems(root)) - set(layout.problems()))


def test_a_circle_is_found() -> None:
    """A -> b -> c -> a is reported as that path; a tree without one reports none."""
    assert layout.find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        "a",
        "b",
        "c",
        "a",
    ]
    assert layout.find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_heldar_passes(capsys: pytest.CaptureFixture[str]) -> None:
    """The package itself: no circle, no class split across files, no unexplained long file."""
    assert layout.main() == 0, capsys.readouterr().err


# The camera flow as it was: its schedule steps were a mixin the flow class inherited.
SPLIT_FLOW = {
    "split_steps.py": """
        class ScheduleEditorMixin:
            _data: dict[str, object]
            _editing: int | None = None

            async def _async_finish(self) -> None:
                raise NotImplementedError

            async def async_step_schedule_done(self) -> None:
                await self._async_finish()
        """,
    "split_flow.py": """
        from .split_steps import ScheduleEditorMixin

        class CameraSubentryFlow(ScheduleEditorMixin):
            def __init__(self) -> None:
                self._data = {}

            async def _async_finish(self) -> None:
                self._data.clear()
        """,
}


def test_a_mixin_is_caught_in_a_copy_of_heldar(tmp_path: Path) -> None:
    """A mixin, its stand-in method and its borrowed attribute are each reported."""
    root = copy_of_heldar(tmp_path, SPLIT_FLOW)
    where = "custom_components.heldar.split_steps.ScheduleEditorMixin (line 2)"
    assert new_problems(root) == [
        (
            f"{where}: a mixin, one class split across files; make it an object that owns its "
            "state, or part of the class it serves"
        ),
        f"{where}: declares attributes another class sets: _data (set by CameraSubentryFlow)",
        f"{where}: stands in for another class's methods with NotImplementedError: _async_finish",
    ]
    assert layout.main(root) == 1


def test_an_unnamed_mixin_is_caught(tmp_path: Path) -> None:
    """A mixin by another name: the attributes it declares are set by the class using it."""
    root = copy_of_heldar(
        tmp_path,
        {
            "steps.py": """
            class ScheduleSteps:
                \"\"\"Steps of a flow.\"\"\"

                _data: dict[str, object]

                def windows(self) -> object:
                    return self._data["windows"]
            """,
            "flow.py": """
            from .steps import ScheduleSteps

            class Flow(ScheduleSteps):
                def __init__(self) -> None:
                    self._data = {"windows": []}
            """,
        },
    )
    assert new_problems(root) == [
        (
            "custom_components.heldar.steps.ScheduleSteps (line 2): declares attributes another "
            "class sets: _data (set by Flow)"
        )
    ]


def test_a_stand_in_is_caught_even_in_an_abc(tmp_path: Path) -> None:
    """``raise NotImplementedError`` as a whole method body, unless an ABC's @abstractmethod."""
    root = copy_of_heldar(
        tmp_path,
        {
            "runner.py": """
            from abc import ABC

            class Runner:
                @property
                def wanted(self) -> bool:
                    \"\"\"Whether to run.\"\"\"
                    raise NotImplementedError()

            class Base(ABC):
                def step(self) -> None:
                    raise NotImplementedError
            """,
        },
    )
    assert new_problems(root) == [
        (
            "custom_components.heldar.runner.Base (line 10): stands in for another class's methods "
            "with NotImplementedError: step"
        ),
        (
            "custom_components.heldar.runner.Runner (line 4): stands in for another class's "
            "methods with NotImplementedError: wanted"
        ),
    ]


def test_look_alikes_pass(tmp_path: Path) -> None:
    """Fields, interfaces, abstract methods, narrowed attributes and refusals are not mixins."""
    root = package(
        tmp_path / "clean",
        {
            "shapes.py": """
                from abc import ABC, abstractmethod
                from dataclasses import dataclass
                from typing import ClassVar, NamedTuple, Protocol, TypedDict

                @dataclass(frozen=True)
                class Window:
                    start: int
                    end: int

                class Point(NamedTuple):
                    x: int

                class Changes(TypedDict, total=False):
                    state: str

                class Source(Protocol):
                    name: str

                    async def resolve(self) -> str:
                        raise NotImplementedError

                    def close(self) -> None: ...

                class Store(ABC):
                    root: str

                    @abstractmethod
                    def write(self, data: bytes) -> None:
                        raise NotImplementedError

                class Disk(Store):
                    def __init__(self) -> None:
                        self.root = "/"

                    def write(self, data: bytes) -> None:
                        if not data:
                            raise NotImplementedError("empty writes")

                class Described:
                    kinds: ClassVar[tuple[str, ...]] = ("a",)

                    def __init__(self, description: object) -> None:
                        self.description = description

                class Sensor(Described):
                    description: Window  # narrows what the base sets

                class Recorder:
                    spec: str  # declared, then set by the class itself

                    def __init__(self) -> None:
                        self.spec = "camera"
                """,
        },
    )
    assert layout.problems(root) == []
    assert layout.main(root) == 0


def test_long_modules_need_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the limit fails unless OVERSIZED says why; a stale entry fails too."""
    long_text = "\n".join(f"VALUE_{index} = {index}" for index in range(layout.MAX_LINES + 1))
    root = package(tmp_path / "long", {"big.py": long_text, "small.py": "X = 1\n"})
    big = "custom_components.heldar.big"
    assert layout.problems(root) == [
        (
            f"{big}: {layout.MAX_LINES + 1} lines (over {layout.MAX_LINES}): if it is one job, add "
            "it to OVERSIZED in scripts/check_layout.py with one sentence saying why"
        )
    ]
    monkeypatch.setattr(layout, "OVERSIZED", {big: "One table of values, read as one."})
    assert layout.problems(root) == []
    small = "custom_components.heldar.small"
    monkeypatch.setattr(layout, "OVERSIZED", {big: "One table.", small: "Was long once."})
    assert layout.problems(root) == [f"{small}: in OVERSIZED, but 1 lines: take it off the list"]


def test_the_recorder_core_stays_in_its_room(tmp_path: Path) -> None:
    """The core importing Home Assistant or the integration around it is reported, each once."""
    root = copy_of_heldar(
        tmp_path,
        {
            "recorder/leak.py": """
                from homeassistant.core import HomeAssistant
                from ..const import DOMAIN
                from .store import CameraStore
                """,
            "recorder/lazy.py": """
                def later() -> None:
                    import homeassistant.util.dt
                """,
        },
    )
    leak, lazy = "custom_components.heldar.recorder.leak", "custom_components.heldar.recorder.lazy"
    rule = "it may import only the standard library, third-party helpers and recorder/ itself"
    assert new_problems(root) == sorted(
        [
            f"{lazy}: the recorder core imports homeassistant.util.dt; {rule}",
            f"{leak}: the recorder core imports custom_components.heldar.const; {rule}",
            f"{leak}: the recorder core imports homeassistant.core; {rule}",
        ]
    )
