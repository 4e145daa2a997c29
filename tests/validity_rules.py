"""The rules of tests/test_validity.py any custom integration would share, and their helpers.

Each rule takes one file's content and returns its problems: a test feeds it the real file or a
broken copy. Where Home Assistant ships the check (services.yaml's schema, selectors, HTML), it
is called; hassfest's rules (not in HA's wheel) are restated.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from functools import cache
import importlib
import json
from pathlib import Path
import re
import string
from types import ModuleType
from typing import Any, NamedTuple

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version
from homeassistant.helpers import config_validation as cv, service
import probatio as vol
import yaml

from custom_components.heldar.const import DOMAIN

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / DOMAIN
type Tree = dict[str, Any]
type Key = tuple[str, ...]
SERVICES = f"custom_components/{DOMAIN}/services.yaml"
HACS_KEYS = {"name", "content_in_root", "zip_release", "filename", "hide_default_branch", "hacs",
             "country", "homeassistant", "persistent_directory", "render_readme"}  # fmt: skip
FIELD_KEYS = {"name", "description", "example", "default", "required", "advanced", "selector",
              "filter"}  # fmt: skip
RE_ICON = re.compile(r"^mdi:[a-z0-9]+(-[a-z0-9]+)*$")


def unique_keys(pairs: list[tuple[str, Any]]) -> Tree:
    """Build a JSON object, refusing a repeated key (JSON alone keeps the last, silently)."""
    keys = [key for key, _ in pairs]
    if repeated := sorted({key for key in keys if keys.count(key) > 1}):
        msg = f"duplicate keys {repeated}"
        raise ValueError(msg)
    return dict(pairs)


@cache
def _text_of(name: str) -> str:
    text = (ROOT / name).read_text(encoding="utf-8")
    if name.endswith(".yaml"):
        return json.dumps(yaml.safe_load(text) or {})
    return json.dumps(json.loads(text, object_pairs_hook=unique_keys))


def load(name: str) -> Tree:
    """Return a file (its path from the repository root) parsed: a fresh copy, free to break."""
    data: Tree = json.loads(_text_of(name))
    return data


def get(tree: object, path: Iterable[str]) -> Any:  # noqa: ANN401 - any JSON value
    """Return the value at ``path`` in nested dicts, or None."""
    for key in path:
        tree = tree.get(key) if isinstance(tree, dict) else None
    return tree


def leaves(tree: Tree, path: Key = ()) -> Iterator[tuple[Key, object]]:
    """Yield (path, value) for every value that is not a dict."""
    for key, child in tree.items():
        yield from (
            leaves(child, (*path, key)) if isinstance(child, dict) else [((*path, key), child)]
        )


def missing(strings: Tree, paths: Iterable[Key]) -> list[str]:
    """Return the paths that are not a non-empty string in ``strings``."""
    return [".".join(p) for p in paths if not (isinstance(v := get(strings, p), str) and v)]


def unsorted(tree: Tree, path: str = "<top>") -> Iterator[str]:
    """Yield each dict whose keys are not sorted, as Lokalise writes them."""
    if list(tree) != sorted(tree):
        yield f"{path}: keys are not sorted"
    for key, child in tree.items():
        yield from unsorted(child, f"{path}.{key}") if isinstance(child, dict) else ()


def service_fields(service: Tree | None) -> Iterator[tuple[str, Tree]]:
    """Yield a services.yaml action's fields, looking inside sections."""
    for name, spec in ((service or {}).get("fields") or {}).items():
        yield from spec["fields"].items() if "fields" in spec else [(name, spec)]


class Call(NamedTuple):
    """A call in Heldar's source, where it is, and the module it runs in."""

    file: str  # relative to the integration
    node: ast.Call
    scope: ast.AST  # the innermost function around it (or the module)
    module: ModuleType

    def __str__(self) -> str:
        """Return where the call is, as file:line."""
        return f"{self.file}:{self.node.lineno}"

    def arg(self, key: str | int) -> set[str] | None:
        """Return the strings an argument can be, or None when the call does not pass it.

        Evaluated in the module when it names only module-level things (constants, enums);
        else the literals in it and in what its local variables are assigned or appended.
        """
        nodes: list[ast.AST] = [*self.node.args[key:][:1]] if isinstance(key, int) else [
            kw.value for kw in self.node.keywords if kw.arg == key
        ]  # fmt: skip
        if not nodes:
            return None
        try:
            expression = ast.Expression(nodes[0])  # type: ignore[arg-type]  # an argument
            value = eval(compile(expression, self.file, "eval"), vars(self.module))  # noqa: S307 - our own source
        except Exception:  # noqa: BLE001 - it needs local names: read the literals instead
            names = {name.id for name in ast.walk(nodes[0]) if isinstance(name, ast.Name)}
            nodes += [n for n in ast.walk(self.scope) if _assigns(n, names)]
            return {
                text for node in nodes for c in ast.walk(node) if (text := _text(c)) is not None
            }
        return {str(v) for v in value} if isinstance(value, list | tuple | set) else {str(value)}


def _assigns(node: ast.AST, names: set[str]) -> bool:
    """Whether ``node`` assigns, appends to or extends a variable in ``names``."""
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Name) and t.id in names for t in targets)
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Attribute) and func.attr in {"append", "extend", "insert"} and (
        isinstance(func.value, ast.Name) and func.value.id in names
    )  # fmt: skip


def _text(node: ast.AST | None) -> str | None:
    """Return the string a node is, if it is a string literal."""
    is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
    return node.value if is_text else None  # type: ignore[union-attr]


@cache
def source(file: str) -> tuple[ModuleType, ast.Module]:
    """Return an integration file's module and syntax tree."""
    name = ".".join(("custom_components", DOMAIN, *Path(file).with_suffix("").parts))
    tree = ast.parse((INTEGRATION / file).read_text(encoding="utf-8"), file)
    return importlib.import_module(name.removesuffix(".__init__")), tree


def source_files() -> tuple[str, ...]:
    """Return the integration's Python files, relative to it."""
    return tuple(str(path.relative_to(INTEGRATION)) for path in sorted(INTEGRATION.rglob("*.py")))


def callee(node: ast.Call) -> str:
    """Return the called function's or class's own name."""
    return str(getattr(node.func, "attr", None) or getattr(node.func, "id", ""))


@cache
def calls(pattern: str, files: tuple[str, ...] = ()) -> list[Call]:
    """Return every call whose callee's name matches ``pattern``, in ``files`` or everywhere."""
    found: list[Call] = []
    for file in files or source_files():
        module, tree = source(file)
        functions = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        scopes = {id(node): scope for scope in [tree, *functions] for node in ast.walk(scope)}
        found += [
            Call(file, node, scopes[id(node)], module)  # the innermost scope came last
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and re.search(pattern, callee(node))
        ]
    return found


def error_literals(files: tuple[str, ...]) -> set[str]:
    """Return a flow's literal errors: ``errors[field] = "key"`` and ``{FIELD: "key"}``."""
    found: set[str] = set()
    for node in (node for file in files for node in ast.walk(source(file)[1])):
        if isinstance(node, ast.Assign) and isinstance(target := node.targets[0], ast.Subscript):
            if getattr(target.value, "id", "") == "errors" and (text := _text(node.value)):
                found.add(text)
        elif isinstance(node, ast.Dict) and node.values and all(map(_text, node.values)):
            keys = [isinstance(k, ast.Name) or getattr(k, "value", "") == "base" for k in node.keys]
            found |= {text for v in node.values if (text := _text(v))} if all(keys) else set()
    return found


def assigned(attribute: str) -> Iterator[tuple[str, str]]:
    """Yield (file, literal) for each ``attribute = "literal"`` (or ``self.attribute = ...``)."""
    for file in source_files():
        for node in ast.walk(source(file)[1]):
            if isinstance(node, ast.Assign | ast.AnnAssign) and (text := _text(node.value)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(
                    attribute in (getattr(t, "id", ""), getattr(t, "attr", "")) for t in targets
                ):
                    yield file, text


def imported_components() -> Iterator[tuple[str, str]]:
    """Yield (file:line, component) for each Home Assistant component the source imports."""
    for file in source_files():
        for node in ast.walk(source(file)[1]):
            if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                base = f"{node.module}." if isinstance(node, ast.ImportFrom) else ""
                for alias in node.names:
                    if (name := base + alias.name).startswith("homeassistant.components."):
                        yield f"{file}:{node.lineno}", name.split(".")[2]


# -- rules for files ----------------------------------------------------------------------


def _html(text: str) -> bool:
    try:
        cv.string_with_no_html(text)
    except vol.Invalid:
        return True
    return False


def _placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


# hassfest's rules for a translated text: (the problem, whether the text at a path has it).
TEXT_RULES: dict[str, Callable[[Key, str], bool]] = {
    "is empty or padded": lambda _, text: not text or text != text.strip(),
    "contains HTML": lambda _, text: _html(text),
    "has a [%key:] reference (core integrations only)": lambda _, text: "[%key:" in text,
    "has a placeholder in an entity state": lambda path, text: bool(_placeholders(text))
        and path[0] == "entity" and "state" in path[3:],
}  # fmt: skip


def strings_problems(strings: Tree) -> list[str]:
    """Keys sorted, texts hassfest accepts, and every form field described."""
    problems = list(unsorted(strings))
    for path, text in leaves(strings):
        if not isinstance(text, str):
            problems.append(f"{'.'.join(path)} is not text")
            continue
        problems += [f"{'.'.join(path)} {p}" for p, has in TEXT_RULES.items() if has(path, text)]
    for step in {path[: path.index("step") + 2] for path, _ in leaves(strings) if "step" in path}:
        fields, described = (
            set(get(strings, (*step, k)) or ()) for k in ("data", "data_description")
        )
        if fields != described:
            problems.append(f"{'.'.join(step)}: data and data_description differ")
    return problems


def hacs_problems(hacs: Tree) -> list[str]:
    """Keys HACS reads, a name, and a Home Assistant version no newer than the one tested."""
    problems = [f"{key}: not a HACS key" for key in set(hacs) - HACS_KEYS]
    if not hacs.get("name"):
        problems.append("no name")
    if (needs := AwesomeVersion(str(hacs.get("homeassistant", "0")))) > ha_version:
        problems.append(f"homeassistant {needs} is newer than {ha_version}")
    return problems


def services_problems(services: Tree) -> list[str]:
    """HA's own services.yaml schema, hassfest's stricter rules, and the actions registered."""
    try:
        service._SERVICES_SCHEMA(services)
    except vol.Invalid as err:
        return [f"Home Assistant refuses it: {err}"]
    registered = {action for call in calls(r"^async_register$") if call.arg(0) == {DOMAIN}
                  for action in call.arg(1) or ()}  # fmt: skip
    problems = [] if set(services) == registered else [f"registered: {sorted(registered)}"]
    for name, spec in services.items():
        if get(spec, ("target", "device")) is not None:
            problems.append(f"{name}: hassfest allows no device filter on a target")
        for field, field_spec in service_fields(spec):
            problems += [f"{name}.{field}: unknown key {k}" for k in set(field_spec) - FIELD_KEYS]
            if "selector" not in field_spec:
                problems.append(f"{name}.{field}: no selector")
    return problems


def icons_problems(icons: Tree) -> list[str]:
    """Every entity and action has an MDI icon; state icons are for states the entity has."""
    problems = [f"{'.'.join(path)}: {icon!r} is no mdi: icon"
                for path, icon in leaves(icons) if not RE_ICON.match(str(icon))]  # fmt: skip
    for call in calls(r"Description$"):
        platform = Path(call.file).stem
        on_off = {"on", "off"} if platform in {"binary_sensor", "switch"} else set()
        for key in call.arg("translation_key") or ():
            entry, where = get(icons, ("entity", platform, key)) or {}, f"entity.{platform}.{key}"
            if "default" not in entry:
                problems.append(f"{where}: no default icon")
            states = set(entry.get("state", {})) - (call.arg("options") or on_off)
            problems += [f"{where}.state.{state}: no such state" for state in states]
    services = [name for name in load(SERVICES) if not get(icons, ("services", name, "service"))]
    return problems + [f"services.{name}: no icon" for name in services]


def file_problems(path: Path, needed: bytes) -> list[str]:
    """A file that must be committed, with what it must contain."""
    return [] if path.is_file() and needed in path.read_bytes() else [f"{path} lacks {needed!r}"]
