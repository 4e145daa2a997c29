#!/usr/bin/env python3
"""Keep the integration's shape: no import circle, no module over the line limit.

Run by scripts/test. Standard library only (ast), so it runs before anything is installed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "custom_components.heldar"
ROOT = Path(__file__).resolve().parent.parent / "custom_components" / "heldar"
MAX_LINES = 300
# Modules allowed over MAX_LINES, each with the reason. Keep this list short.
OVERSIZED: dict[str, str] = {}


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def imports(path: Path, name: str) -> set[str]:
    """Return the package modules a file imports, at any depth: a TYPE_CHECKING import counts too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> tuple[dict[str, set[str]], dict[str, int]]:
    """Return each module's imports of other package modules, and each module's line count."""
    files = {module_name(path): path for path in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    lines: dict[str, int] = {}
    for name, path in files.items():
        lines[name] = len(path.read_text(encoding="utf-8").splitlines())
        edges[name] = {dep for dep in imports(path, name) if dep in files and dep != name}
    return edges, lines


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(edges[node]):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    """Print every problem and return 1 if there is any."""
    edges, lines = graph()
    problems = [f"import circle: {' <-> '.join(c)}" for c in cycles(edges)]
    problems += [
        f"{name}: {count} lines (limit {MAX_LINES})"
        for name, count in sorted(lines.items())
        if count > MAX_LINES and name not in OVERSIZED
    ]
    problems += [f"{name}: listed in OVERSIZED but missing" for name in OVERSIZED if name not in lines]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"layout ok: {len(lines)} modules, none over {MAX_LINES} lines, no import circle")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
