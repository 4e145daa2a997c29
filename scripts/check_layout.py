"""Keep the integration's shape: no import circle, no class split across files, long files named.

- An import circle among Heldar's modules fails.
- One class split across files fails: a class named ``*Mixin``; a method whose whole body is
  ``raise NotImplementedError``, standing in for a method another class has (allowed only as an
  ``@abstractmethod`` of an ``abc.ABC``, or in a ``typing.Protocol``); and a class that declares
  attributes (``spec: CameraSpec``, no value) that it never sets but a class it is mixed into
  does. Dataclasses, NamedTuples, TypedDicts, Protocols and ABCs declare their own fields or
  interface; an annotation narrowing an attribute a base class sets is fine too.
- The recorder core (``recorder/``) imports neither Home Assistant nor the integration's other
  modules: it is plain asyncio, testable alone (see ARCHITECTURE.md, "Rooms").
- A module over MAX_LINES is a prompt to look, not a reason to split a class: it fails unless
  OVERSIZED says, in one sentence, why it is one job.

Run by scripts/test. Standard library only (ast), so it runs before anything is installed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
import sys

PACKAGE = "custom_components.heldar"
ROOT = Path(__file__).resolve().parent.parent / "custom_components" / "heldar"
MAX_LINES = 400
CORE = f"{PACKAGE}.recorder"
# What the recorder core may not import: Home Assistant, and the integration around it.
_OUTSIDE_CORE = ("homeassistant", "aiohttp", "voluptuous", "probatio")
# Modules over MAX_LINES, each with one sentence saying why it is one job.
OVERSIZED: dict[str, str] = {}

# Bases and decorators whose annotations are the class's own fields or interface.
_FIELD_BASES = {"NamedTuple", "TypedDict", "Protocol", "ABC", "Enum", "StrEnum", "IntEnum"}
_FIELD_DECORATORS = {"dataclass", "define", "frozen", "s"}  # dataclasses, attrs
_ABSTRACT_BASES = {"ABC", "Protocol"}


def module_name(path: Path, root: Path = ROOT) -> str:
    """Return the dotted module name of a file under ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def imports(tree: ast.Module, path: Path, name: str, modules: set[str]) -> set[str]:
    """Return the package modules a file imports, at any depth (TYPE_CHECKING ones too)."""
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


def parse(root: Path = ROOT) -> dict[str, tuple[Path, ast.Module, int]]:
    """Return each module's file, syntax tree and line count."""
    parsed = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        parsed[module_name(path, root)] = (path, ast.parse(text, str(path)), len(text.splitlines()))
    return parsed


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


# -- classes split across files ---------------------------------------------------------------


def _name(node: ast.expr) -> str:
    """Return the last name of ``X``, ``a.X`` or ``X[...]`` (a base or a decorator)."""
    if isinstance(node, ast.Subscript | ast.Call):
        return _name(node.value if isinstance(node, ast.Subscript) else node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


@dataclass
class ClassShape:
    """What the checks need to know of one class."""

    where: str  # module.Class (line N)
    name: str
    bases: set[str]
    abstract: bool  # an abc.ABC or a typing.Protocol
    own_fields: bool  # its annotations are its own fields or interface
    declared: set[str] = field(default_factory=set)  # annotated in the body, with no value
    assigned: set[str] = field(default_factory=set)  # set in the body or as self.x / cls.x
    stand_ins: list[str] = field(default_factory=list)


def _stands_in(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the method's whole body (after a docstring) is ``raise NotImplementedError``."""
    body = method.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return (
        len(body) == 1
        and isinstance(raised := body[0], ast.Raise)
        and raised.exc is not None
        and _name(raised.exc) == "NotImplementedError"
    )


def shape(node: ast.ClassDef, module: str) -> ClassShape:
    """Read one class."""
    bases = {_name(base) for base in node.bases}
    metaclass = {_name(k.value) for k in node.keywords if k.arg == "metaclass"}
    abstract = bool(bases & _ABSTRACT_BASES or "ABCMeta" in metaclass)
    decorators = {_name(d) for d in node.decorator_list}
    found = ClassShape(
        where=f"{module}.{node.name} (line {node.lineno})",
        name=node.name,
        bases=bases,
        abstract=abstract,
        own_fields=bool(bases & _FIELD_BASES or decorators & _FIELD_DECORATORS or abstract),
    )
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            is_class_var = _name(item.annotation) == "ClassVar"
            if item.value is None and not is_class_var:
                found.declared.add(item.target.id)
            else:
                found.assigned.add(item.target.id)
        elif isinstance(item, ast.Assign):
            found.assigned.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            found.assigned.update(
                sub.attr
                for sub in ast.walk(item)
                if isinstance(sub, ast.Attribute)
                and isinstance(sub.ctx, ast.Store)
                and _name(sub.value) in {"self", "cls"}
            )
            abstract_method = "abstractmethod" in {_name(d) for d in item.decorator_list}
            allowed = "Protocol" in bases or (abstract and abstract_method)
            if _stands_in(item) and not allowed:
                found.stand_ins.append(item.name)
    return found


def _ancestors(name: str, bases: dict[str, set[str]]) -> set[str]:
    """Return the package classes ``name`` derives from, at any depth."""
    seen: set[str] = set()
    todo = list(bases.get(name, ()))
    while todo:
        if (base := todo.pop()) in bases and base not in seen:
            seen.add(base)
            todo.extend(bases[base])
    return seen


def split_class_problems(trees: dict[str, ast.Module]) -> list[str]:
    """Return every mixin, stand-in and borrowed attribute declaration in the package."""
    shapes = [
        shape(node, module)
        for module, tree in sorted(trees.items())
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    bases: dict[str, set[str]] = {}
    setters: dict[str, set[str]] = {}  # attribute -> classes that set it
    for one in shapes:
        bases.setdefault(one.name, set()).update(one.bases)
        for attribute in one.assigned:
            setters.setdefault(attribute, set()).add(one.name)
    ancestors = {name: _ancestors(name, bases) for name in bases}
    problems: list[str] = []
    for one in shapes:
        if one.name.endswith("Mixin"):
            problems.append(
                f"{one.where}: a mixin, one class split across files; make it an object that "
                "owns its state, or part of the class it serves"
            )
        if one.stand_ins:
            problems.append(
                f"{one.where}: stands in for another class's methods with NotImplementedError: "
                + ", ".join(one.stand_ins)
            )
        if one.own_fields:
            continue
        # Classes it is mixed with: those deriving from it, and their other bases.
        family = {name for name, up in ancestors.items() if one.name in up}
        family |= {base for name in family for base in ancestors[name]}
        family -= {one.name, *ancestors[one.name]}  # a base's attribute may be narrowed
        borrowed = {
            attribute: sorted(setters.get(attribute, set()) & family)
            for attribute in sorted(one.declared - one.assigned)
        }
        if owners := {a: owner for a, owner in borrowed.items() if owner}:
            listed = ", ".join(f"{a} (set by {', '.join(o)})" for a, o in owners.items())
            problems.append(f"{one.where}: declares attributes another class sets: {listed}")
    return problems


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def room_problems(imported: dict[str, set[str]]) -> list[str]:
    """Return every import of the recorder core that reaches out of its room, once each."""
    found = []
    for module, deps in sorted(imported.items()):
        if not _in(module, CORE):
            continue
        outside = {
            dep
            for dep in deps
            if any(_in(dep, room) for room in _OUTSIDE_CORE)
            or (_in(dep, PACKAGE) and not _in(dep, CORE))
        }
        # ``from a.b import c`` reads as a.b and a.b.c: name the module once.
        found += [
            f"{module}: the recorder core imports {dep}; it may import only the standard "
            "library, third-party helpers and recorder/ itself"
            for dep in sorted(outside)
            if not any(dep != other and _in(dep, other) for other in outside)
        ]
    return found


def problems(root: Path = ROOT) -> list[str]:
    """Return every layout problem of the package at ``root``."""
    parsed = parse(root)
    imported = {
        name: imports(tree, path, name, set(parsed)) for name, (path, tree, _) in parsed.items()
    }
    edges = {
        name: {dep for dep in deps if dep in parsed} - {name} for name, deps in imported.items()
    }
    lines = {name: count for name, (_, _, count) in parsed.items()}
    circle = find_cycle(edges)
    found = [f"import circle: {' -> '.join(circle)}"] if circle else []
    found += split_class_problems({name: tree for name, (_, tree, _) in parsed.items()})
    found += room_problems(imported)
    found += [
        f"{name}: {count} lines (over {MAX_LINES}): if it is one job, add it to OVERSIZED in "
        "scripts/check_layout.py with one sentence saying why"
        for name, count in sorted(lines.items())
        if count > MAX_LINES and name not in OVERSIZED
    ]
    for name, reason in OVERSIZED.items():
        if name not in lines:
            found.append(f"{name}: in OVERSIZED, not a module")
        elif lines[name] <= MAX_LINES:
            found.append(f"{name}: in OVERSIZED, but {lines[name]} lines: take it off the list")
        elif not reason.strip():
            found.append(f"{name}: in OVERSIZED without a reason")
    return found


def main(root: Path = ROOT) -> int:
    """Print every problem and return 1 if there is any."""
    found = problems(root)
    for problem in found:
        print(problem, file=sys.stderr)
    if not found:
        modules = len(list(root.rglob("*.py")))
        excepted = f", {len(OVERSIZED)} over {MAX_LINES} lines by exception" if OVERSIZED else ""
        print(
            f"layout ok: {modules} modules, no import circle, no class split, "
            f"a recorder core without Home Assistant{excepted}"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
