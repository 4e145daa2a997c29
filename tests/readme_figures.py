"""Every figure the README quotes comes from a row a benchmark wrote into bench/results.json.

Three checks, each reporting what has no row:

- the Performance table is exactly the table ``bench/run`` builds from results.json;
- every benchmark the README names (``bench/<script>.py``) has rows;
- outside the Performance section (whose prose also states settings and older runs), every
  time, size or ratio (``ms``, ``KiB``, ``x``) in a paragraph that names a benchmark is one of
  that benchmark's recorded numbers, at the README's precision.

``AWAITING`` lists the benchmarks whose rows are still to be written, each with the reason;
their figures are not checked until then.
"""

from __future__ import annotations

from collections.abc import Iterator
import importlib.util
import json
from pathlib import Path
import re
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TABLE_HEADER = "| metric | value | unit | target | met |"
AWAITING: dict[str, str] = {}
_QUOTED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?) ?(ms|KiB|x)\b")
_SCRIPT = re.compile(r"bench/(\w+\.py)")


def bench_run() -> ModuleType:
    """Load bench/run.py (not a package), for its benchmark list and table."""
    spec = importlib.util.spec_from_file_location("heldar_bench_run", ROOT / "bench" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_figures() -> dict[str, Any]:
    """Return the README's text and results.json's rows."""
    return {
        "readme": (ROOT / "README.md").read_text(encoding="utf-8"),
        "rows": json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8")),
    }


def _numbers(value: object) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, str):
        yield from (float(found) for found in re.findall(r"-?\d+(?:\.\d+)?", value))


def _section(readme: str, title: str) -> tuple[int, int]:
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return start, len(readme) if end < 0 else end


def figures_problems(data: dict[str, Any]) -> list[str]:
    """Return each README figure without its row (see the module)."""
    readme: str = data["readme"]
    rows: list[dict[str, Any]] = data["rows"]
    run = bench_run()
    problems: list[str] = []
    start, end = _section(readme, "Performance")
    performance = readme[start:end]
    if TABLE_HEADER not in performance:
        problems.append("Performance: no table of the benchmarks' rows")
    else:
        shown = performance[performance.index(TABLE_HEADER) :].split("\n\n", 1)[0].splitlines()
        built = run.table(rows).splitlines()
        problems += [
            f"Performance table: {line!r} has no row" for line in shown if line not in built
        ]
        problems += [f"Performance table lacks {line!r}" for line in built if line not in shown]
    benchmarks = {script: name for name, (script, _, _) in run.BENCHMARKS.items()}
    written = {row.get("benchmark") for row in rows}
    named = {benchmarks[s] for s in _SCRIPT.findall(readme) if s in benchmarks}
    problems += [
        f"bench/{run.BENCHMARKS[name][0]} is quoted, but results.json has no row of it"
        for name in sorted(named - written - set(AWAITING))
    ]
    for paragraph in (readme[:start] + readme[end:]).split("\n\n"):
        cited = {benchmarks[s] for s in _SCRIPT.findall(paragraph) if s in benchmarks}
        cited -= set(AWAITING)
        if not cited:
            continue
        recorded = {n for row in rows if row.get("benchmark") in cited for n in _numbers(row)}
        for match in _QUOTED.finditer(paragraph):
            text = match.group(1)
            places = len(text.split(".")[1]) if "." in text else 0
            if not any(round(value, places) == float(text) for value in recorded):
                problems.append(f"{text} {match.group(2)} ({', '.join(sorted(cited))}): no row")
    return problems
