"""Keep the integration's shape: no import circle, no module over the line limit.

Run by scripts/test. Standard library only (ast), so it runs before anything is installed.
"""

from __future__ import annotations

import ast
from pathlib import Path
import sys

PACKAGE = "custom_components.heldar"
ROOT = Path(__file__).resolve().parent.parent / "custom_components" / "heldar"
MAX_LINES = 400
# Modules allowed over MAX_LINES, each with the reason. Keep this list short.
OVERSIZED: dict[str, str] = {}


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under ROOT."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """Return the package modules a file imports, at any depth (TYPE_CHECKING ones too)."""
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
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            # ``from . import tokens`` imports the module tokens, not the package's own code.
            if node.module is not None or not submodules <= modules:
                found.add(base)
            found.update(submodules)
    return found


def graph() -> tuple[dict[str, set[str]], dict[str, int]]:
    """Return each module's imports of other package modules, and each module's line count."""
    files = {module_name(path): path for path in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    lines: dict[str, int] = {}
    for name, path in files.items():
        lines[name] = len(path.read_text(encoding="utf-8").splitlines())
        found = imports(path, name, set(files))
        edges[name] = {dep for dep in found if dep in files and dep != name}
    return edges, lines


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """Return one import circle as a path (its first module repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        path.append(node)
        for dep in sorted(edges[node]):
            if dep in path:
                return [*path[path.index(dep) :], dep]
            if dep not in done and (found := visit(dep)):
                return found
        path.pop()
        done.add(node)
        return None

    for node in sorted(edges):
        if node not in done and (found := visit(node)):
            return found
    return None


def main() -> int:
    """Print every problem and return 1 if there is any."""
    edges, lines = graph()
    circle = find_cycle(edges)
    problems = [f"import circle: {' -> '.join(circle)}"] if circle else []
    problems += [
        f"{name}: {count} lines (limit {MAX_LINES})"
        for name, count in sorted(lines.items())
        if count > MAX_LINES and name not in OVERSIZED
    ]
    problems += [f"{name}: in OVERSIZED, not a module" for name in OVERSIZED if name not in lines]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        excepted = f", {len(OVERSIZED)} over {MAX_LINES} lines by exception" if OVERSIZED else ""
        print(f"layout ok: {len(lines)} modules, no import circle{excepted}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
