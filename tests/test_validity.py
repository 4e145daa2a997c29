"""Heldar's metadata, checked as hassfest and HACS would: they are not in the Home Assistant wheel.

Each rule is a row of a table. Two kinds of rows matter most: the schemas hassfest applies
(manifest, services.yaml, translations, icons), and the cross-checks hassfest cannot make for a
custom integration: every step, error, abort, entity, exception, issue and selector the code
uses has its English string, because a missing one shows up as a raw key in the UI.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
import importlib
import json
from pathlib import Path
import re
import string
from typing import Any
from urllib.parse import urlparse

from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy
from homeassistant import const as ha_const
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv, selector
from homeassistant.helpers.entity import EntityDescription
import probatio as vol
import pytest
import yaml

from custom_components.heldar import const
from custom_components.heldar.const import DOMAIN, SUBENTRY_CAMERA
from custom_components.heldar.export import ExportError
from custom_components.heldar.recorder.probe import ProbeOutcome
from custom_components.heldar.recorder.storage import StorageProblem

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / DOMAIN
PACKAGE = f"custom_components.{DOMAIN}"
COMPONENTS = Path(ha_const.__file__).parent / "components"

# hassfest's rules (script/hassfest/manifest.py, dependencies.py, translations.py, icons.py).
VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER, AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER, AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]  # fmt: skip
OPTIONAL_MANIFEST_KEYS = {
    "after_dependencies", "bluetooth", "dependencies", "dhcp", "disabled", "homekit",
    "import_executor", "loggers", "mqtt", "quality_scale", "single_config_entry", "ssdp", "usb",
    "zeroconf",
}  # fmt: skip
# Components an integration may import without listing them.
ALLOWED_USED_COMPONENTS = {
    *(platform.value for platform in Platform),
    "alert", "automation", "conversation", "default_config", "device_automation", "frontend",
    "group", "homeassistant", "input_boolean", "input_button", "input_datetime", "input_number",
    "input_select", "input_text", "media_source", "onboarding", "panel_custom",
    "persistent_notification", "person", "script", "shopping_list", "sun", "system_health",
    "system_log", "timer", "webhook", "websocket_api", "zone", "mjpeg", "stream",
}  # fmt: skip
# The keys HACS reads from hacs.json; anything else is a typo HACS silently ignores.
HACS_KEYS = {
    "name", "content_in_root", "zip_release", "filename", "hide_default_branch", "country",
    "homeassistant", "hacs", "persistent_directory", "render_readme",
}  # fmt: skip
RE_REFERENCE = re.compile(r"\[%key:[^%]+%\]")
RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
TOP_LEVEL_TRANSLATION_KEYS = {
    "application_credentials", "common", "conditions", "config", "config_panel",
    "config_subentries", "conversation", "device", "device_automation", "entity",
    "entity_component", "exceptions", "issues", "options", "preview_features", "selector",
    "services", "system_health", "title", "triggers",
}  # fmt: skip
FLOW_KEYS = {
    "abort", "create_entry", "entry_type", "error", "flow_title", "initiate_flow", "progress",
    "step",
}  # fmt: skip
STEP_KEYS = {
    "data", "data_description", "description", "menu_option_descriptions", "menu_options",
    "sections", "submit", "title",
}  # fmt: skip
ICON_KEYS = {"default", "range", "state", "state_attributes"}
RE_ICON = re.compile(r"^mdi:[a-z0-9]+(-[a-z0-9]+)*$")
RE_EXCEPTION_CLASS = re.compile(r"(Error|Exception|NotReady|Failed)$")

type Json = dict[str, Json] | list[Json] | str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Flow:
    """A config flow, where its strings live, and the enums whose values become its errors."""

    section: tuple[str, ...]
    files: tuple[str, ...]  # the flow module, then the helper modules that build its errors
    error_values: frozenset[str]


FLOWS = (
    Flow(("config",), ("config_flow.py",), frozenset(StorageProblem)),
    Flow(
        ("config_subentries", SUBENTRY_CAMERA),
        ("camera_flow.py", "camera_checks.py", "schedule_steps.py", "schedule_form.py"),
        frozenset(ProbeOutcome) - {ProbeOutcome.OK},
    ),
)
# Exceptions whose translation_key is computed: the file, and the enum the key comes from.
DYNAMIC_EXCEPTION_KEYS: dict[str, type[StrEnum]] = {
    "__init__.py": StorageProblem,
    "export.py": ExportError,
}


# -- loading ------------------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if duplicates := sorted({key for key in keys if keys.count(key) > 1}):
        msg = f"duplicate keys {duplicates}"
        raise ValueError(msg)
    return dict(pairs)


@cache
def _json(path: Path) -> Json:
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicate_keys)


def _manifest() -> dict[str, Any]:
    return _json(INTEGRATION / "manifest.json")


def _strings() -> dict[str, Any]:
    return _json(INTEGRATION / "translations" / "en.json")


def _icons() -> dict[str, Any]:
    return _json(INTEGRATION / "icons.json")


@cache
def _services() -> dict[str, Any]:
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    return services or {}


@cache
def _tree(name: str) -> ast.Module:
    return ast.parse((INTEGRATION / name).read_text(encoding="utf-8"), filename=name)


def _source_files() -> list[str]:
    return [str(path.relative_to(INTEGRATION)) for path in sorted(INTEGRATION.rglob("*.py"))]


def _get(tree: Json, path: Iterable[str]) -> Json:
    """Return the value at ``path`` in nested dicts, or None."""
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _missing(strings: dict[str, Any], *paths: tuple[str, ...]) -> list[str]:
    """Return the dotted paths that are not a non-empty string in ``strings``."""
    return [".".join(path) for path in paths if not _is_text(_get(strings, path))]


def _is_text(value: Json) -> bool:
    return isinstance(value, str) and bool(value)


def _leaves(tree: Json, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Json]]:
    if isinstance(tree, dict):
        for key, child in tree.items():
            yield from _leaves(child, (*path, key))
    else:
        yield path, tree


# -- reading the source -------------------------------------------------------------------


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _calls(tree: ast.AST, name: str | re.Pattern[str]) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = _call_name(node)
            if called == name if isinstance(name, str) else name.search(called):
                yield node


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _literals(node: ast.AST | None, scope: ast.AST | None = None) -> set[str]:
    """Return the literal strings a value can be.

    A constant, either branch of ``a if c else b``, or (given the ``scope``) every literal
    assigned to the variable it names.
    """
    if isinstance(node, ast.IfExp):
        return _literals(node.body, scope) | _literals(node.orelse, scope)
    if isinstance(node, ast.Name) and scope is not None:
        return {
            value
            for assign in ast.walk(scope)
            if isinstance(assign, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in assign.targets)
            for value in _literals(assign.value)
        }
    return {value} if (value := _string(node)) else set()


def _flow_tree(files: tuple[str, ...]) -> ast.Module:
    """Return a flow's modules (the flow and its mixins) as one tree."""
    return ast.Module(body=[node for name in files for node in _tree(name).body], type_ignores=[])


def _where(name: str, node: ast.AST) -> str:
    return f"{INTEGRATION.name}/{name}:{getattr(node, 'lineno', '?')}"


def _step_methods(tree: ast.Module) -> dict[str, ast.AsyncFunctionDef]:
    return {
        node.name.removeprefix("async_step_"): node
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("async_step_")
    }


def _shown_steps(tree: ast.Module) -> set[str]:
    """Steps that show a form or menu: a literal ``step_id=``, or a step that names itself.

    ``async_step_user`` calling ``self._show_form("user", ...)`` names itself; a menu target
    such as ``async_step_save`` that only aborts or delegates does not, and needs no title.
    """
    shown = {
        step
        for call in _calls(tree, re.compile(r"^async_show_(form|menu|progress)$"))
        for step in _literals(_keyword(call, "step_id"))
    }
    for step, method in _step_methods(tree).items():
        if any(_string(node) == step for node in ast.walk(method)):
            shown.add(step)
    return shown


def _menus(tree: ast.Module) -> dict[str, tuple[ast.AST, set[str]]]:
    """Return each menu step with its options, followed through list variables."""
    menus: dict[str, tuple[ast.AST, set[str]]] = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
            continue
        for call in _calls(function, "async_show_menu"):
            options = _keyword(call, "menu_options")
            if isinstance(options, ast.Name):
                found = _list_variable(function, options.id)
            elif isinstance(options, ast.List | ast.Tuple):
                found = {value for element in options.elts if (value := _string(element))}
            else:
                continue  # a dict of labels: shown as given, not translated
            for step in _literals(_keyword(call, "step_id")) or {"?"}:
                menus[step] = (call, found)
    return menus


def _list_variable(function: ast.AST, name: str) -> set[str]:
    """Return the strings put into list ``name`` by assignment, ``+=`` and ``append``."""
    found: set[str] = set()
    for node in ast.walk(function):
        value: ast.AST | None = None
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            value = node.value  # type: ignore[union-attr]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
            and node.func.attr in {"append", "extend", "insert"}
        ):
            value = ast.List(elts=list(node.args))
        if value is not None:
            found |= {s for element in ast.walk(value) if (s := _string(element))}
    return found


def _flow_errors(tree: ast.Module) -> set[str]:
    """Literal error keys: ``errors[...] = "x"`` and dicts like ``{"base": "x"}``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and (value := _string(node.value)):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "errors"
                ):
                    found.add(value)
        elif (
            isinstance(node, ast.Dict)
            and node.keys
            and all(_is_error_field(key) for key in node.keys)
            and all(RE_TRANSLATION_KEY.match(_string(value) or "") for value in node.values)
        ):
            found |= {value for element in node.values if (value := _string(element))}
    return found


def _is_error_field(key: ast.expr | None) -> bool:
    """Whether a dict key names a form field the way error dicts do."""
    if isinstance(key, ast.Name):
        return key.id.startswith("CONF_")
    return _string(key) == "base"


def _flow_aborts(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
            for call in _calls(function, "async_abort"):
                found |= _literals(_keyword(call, "reason"), function)
    if any(_calls(tree, "_abort_if_unique_id_configured")):
        found.add("already_configured")
    return found


# -- entities -----------------------------------------------------------------------------


def _platform_files() -> list[str]:
    return [p.value for p in Platform if (INTEGRATION / f"{p.value}.py").is_file()]


def _entity_descriptions() -> dict[tuple[str, str], EntityDescription | None]:
    """Return every (platform, translation_key), with its description when there is one."""
    found: dict[tuple[str, str], EntityDescription | None] = {}
    for platform in _platform_files():
        module = importlib.import_module(f"{PACKAGE}.{platform}")
        for value in vars(module).values():
            candidates = value if isinstance(value, list | tuple) else [value]
            for description in candidates:
                if _is_description(description) and description.translation_key:
                    found[platform, description.translation_key] = description
        for node in ast.walk(_tree(f"{platform}.py")):
            if (
                isinstance(node, ast.Assign | ast.AnnAssign)
                and (key := _string(node.value))
                and any(
                    isinstance(target, ast.Name) and target.id == "_attr_translation_key"
                    for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                )
            ):
                found.setdefault((platform, key), None)
    return found


def _is_description(value: object) -> bool:
    """Whether ``value`` is an entity description.

    HA's frozen-dataclass compatibility layer builds a new class per description class, so
    ``isinstance(value, EntityDescription)`` is false; match the base class by name instead.
    """
    return any(cls.__name__ == EntityDescription.__name__ for cls in type(value).__mro__)


def _enum_options(description: EntityDescription | None) -> list[str]:
    if getattr(description, "device_class", None) != SensorDeviceClass.ENUM:
        return []
    return [str(option) for option in getattr(description, "options", None) or []]


# -- files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "hacs.json",
        *(
            str(path.relative_to(ROOT))
            for pattern in ("*.json", "translations/*.json")
            for path in sorted(INTEGRATION.glob(pattern))
        ),
    ],
)
def test_json_files_are_valid(name: str) -> None:
    """A JSON file that does not parse (or repeats a key) breaks HA, HACS or the UI silently."""
    try:
        data = _json(ROOT / name)
    except ValueError as err:
        pytest.fail(f"{name} is not valid JSON: {err}")
    assert isinstance(data, dict), f"{name} must hold a JSON object"


# -- manifest.json and hacs.json ----------------------------------------------------------


def _https(value: str) -> bool:
    url = urlparse(value)
    return url.scheme == "https" and bool(url.netloc)


def _version(value: str) -> bool:
    try:
        AwesomeVersion(value, ensure_strategy=VERSION_STRATEGIES)
    except AwesomeVersionException:
        return False
    return True


def _strings_list(value: Json) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


# The required keys, each with the rule its value must follow.
MANIFEST_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "domain": (lambda v: v == INTEGRATION.name == DOMAIN, "must match the folder name"),
    "name": (lambda v: isinstance(v, str) and bool(v), "must be a non-empty string"),
    "codeowners": (
        lambda v: _strings_list(v) and all(owner.startswith("@") for owner in v),
        "must list GitHub handles starting with @",
    ),
    "config_flow": (
        lambda v: v is (INTEGRATION / "config_flow.py").is_file(),
        "must be true exactly when config_flow.py exists",
    ),
    "documentation": (
        lambda v: _https(v) and not v.startswith("https://www.home-assistant.io/integrations"),
        "must be an https URL, not home-assistant.io (a custom integration)",
    ),
    "integration_type": (
        lambda v: v in {"device", "entity", "hardware", "helper", "hub", "service", "system"},
        "is not an integration type",
    ),
    "iot_class": (
        lambda v: (
            v
            in {"assumed_state", "calculated", "cloud_polling", "cloud_push"}
            | {"local_polling", "local_push"}
        ),
        "is not an IoT class",
    ),
    "issue_tracker": (_https, "must be an https URL"),
    "requirements": (_strings_list, "must list strings"),
    "version": (_version, "is not a valid version"),
}


@pytest.mark.parametrize("key", list(MANIFEST_RULES))
def test_manifest_value(key: str) -> None:
    """hassfest, HACS and the loader refuse a manifest without these keys, or with bad values."""
    manifest = _manifest()
    assert key in manifest, f"manifest.json lacks {key}"
    check, rule = MANIFEST_RULES[key]
    assert check(manifest[key]), f"manifest.json {key} {rule}: {manifest[key]!r}"


def test_manifest_keys_and_dependencies() -> None:
    """Known keys in hassfest's order; dependencies are real integrations, FFmpeg among them."""
    manifest = _manifest()
    keys = list(manifest)
    unknown = sorted(set(keys) - set(MANIFEST_RULES) - OPTIONAL_MANIFEST_KEYS)
    assert not unknown, f"manifest.json has keys hassfest does not allow: {unknown}"
    expected = sorted(keys, key=lambda key: {"domain": "0", "name": "1"}.get(key, f"2{key}"))
    assert keys == expected, f"manifest.json keys are {keys}; hassfest wants {expected}"
    dependencies = manifest.get("dependencies", [])
    after = manifest.get("after_dependencies", [])
    assert _strings_list(dependencies), "dependencies must list strings"
    assert _strings_list(after), "after_dependencies must list strings"
    assert "ffmpeg" in dependencies, "dependencies must include 'ffmpeg'"
    assert not set(dependencies) & set(after), "in both dependencies and after_dependencies"
    unknown = [dep for dep in [*dependencies, *after] if not (COMPONENTS / dep).is_dir()]
    assert not unknown, f"dependencies that are not Home Assistant integrations: {unknown}"


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Return the ids of nodes inside ``if TYPE_CHECKING:``, which hassfest ignores."""
    return {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        for statement in node.body
        for child in ast.walk(statement)
    }


def _used_components(name: str) -> Iterator[tuple[str, ast.AST]]:
    """Yield the Home Assistant components a source file imports, as hassfest collects them."""
    tree = _tree(name)
    skipped = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "homeassistant.components":
                for alias in node.names:
                    yield alias.name, node
            elif node.module.startswith("homeassistant.components."):
                yield node.module.split(".")[2], node
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("homeassistant.components."):
                    yield alias.name.split(".")[2], node


def test_manifest_lists_every_used_component() -> None:
    """Hassfest wants every Home Assistant component the code imports listed as a dependency."""
    manifest = _manifest()
    allowed = (
        ALLOWED_USED_COMPONENTS
        | set(manifest.get("dependencies", []))
        | set(manifest.get("after_dependencies", []))
        | {DOMAIN}
    )
    unlisted = {
        component: _where(name, node)
        for name in _source_files()
        for component, node in _used_components(name)
        if component not in allowed
        # Heldar's own platform for that component (diagnostics.py) is not a dependency.
        and not (INTEGRATION / f"{component}.py").is_file()
        and not (INTEGRATION / component).is_dir()
    }
    assert not unlisted, f"components used but not in manifest dependencies: {unlisted}"


def test_hacs_json_and_license() -> None:
    """HACS needs a name, one integration folder, known keys, and a LICENSE (Apache-2.0)."""
    hacs = _json(ROOT / "hacs.json")
    assert isinstance(hacs.get("name"), str), "hacs.json needs a string 'name'"
    assert hacs["name"], "hacs.json 'name' must not be empty"
    assert not set(hacs) - HACS_KEYS, f"hacs.json keys HACS does not know: {set(hacs) - HACS_KEYS}"
    if not hacs.get("content_in_root", False):
        integrations = [p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()]
        assert integrations == [DOMAIN], (
            f"HACS wants one folder in custom_components/: {integrations}"
        )
    if "homeassistant" in hacs:
        assert _version(str(hacs["homeassistant"])), "hacs.json homeassistant is not a version"
        assert AwesomeVersion(str(hacs["homeassistant"])) <= AwesomeVersion(ha_const.__version__)
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    assert "[LICENSE](LICENSE)" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- services.yaml ------------------------------------------------------------------------


# hassfest's services.yaml schema for a custom integration (script/hassfest/services.py in
# Home Assistant core), including its rule that a target has no device filter: "Services do not
# support device filters on target, use a device selector instead". The frontend's target
# picker still offers the devices that have a matching (Heldar) entity.
def _no_device_filter(target: dict[str, Any]) -> dict[str, Any]:
    if "device" in target:
        msg = "Services do not support device filters on target"
        raise vol.Invalid(msg)
    return target


def _exists(value: object) -> object:
    if value is None:
        msg = "Value cannot be None"
        raise vol.Invalid(msg)
    return value


_TEXTS = {vol.Optional("name"): str, vol.Optional("description"): str}
_FIELD = vol.Schema(
    {
        vol.Optional("example"): _exists,
        vol.Optional("default"): _exists,
        vol.Optional("required"): bool,
        vol.Optional("advanced"): bool,
        vol.Optional("selector"): selector.validate_selector,
        vol.Optional("filter"): dict,
        **_TEXTS,
    }
)
_SECTION = vol.Schema(
    {vol.Optional("collapsed"): bool, vol.Required("fields"): {str: _FIELD}, **_TEXTS}
)
HASSFEST_SERVICES = vol.Schema(
    {
        cv.slug: vol.Any(
            vol.Schema(
                {
                    vol.Optional("target"): vol.Any(
                        vol.All(selector.TargetSelector.CONFIG_SCHEMA, _no_device_filter), None
                    ),
                    vol.Optional("fields"): {str: vol.Any(_FIELD, _SECTION)},
                    **_TEXTS,
                }
            ),
            None,
        )
    }
)


def test_services_yaml_schema() -> None:
    """services.yaml passes hassfest's schema, for exactly the actions Heldar registers.

    Every field has a selector too: the action dialog needs one.
    """
    services = _services()
    HASSFEST_SERVICES(services)
    registered = {value for name, value in vars(const).items() if name.startswith("SERVICE_")}
    assert set(services) == registered, f"services.yaml {set(services)} vs SERVICE_* {registered}"
    missing = [
        f"{service}.fields.{field}"
        for service, schema in services.items()
        for field, spec in _service_fields(schema or {})
        if "selector" not in (spec or {})
    ]
    assert not missing, f"services.yaml fields without a selector: {missing}"


@pytest.mark.parametrize(
    "bad",
    [
        {"trigger": {"target": {"device": {"integration": DOMAIN}}}},
        {"trigger": {"target": {"entity": {"integration": DOMAIN}, "device": {}}}},
        {"trigger": {"fields": {"reason": {"selector": {"no_such_selector": {}}}}}},
        {"trigger": {"fields": {"reason": {"example": None}}}},
        {"Trigger": None},
    ],
)
def test_hassfest_services_schema_rejects(bad: dict[str, Any]) -> None:
    """The mirrored schema refuses what hassfest refuses (so a pass above means something)."""
    with pytest.raises(vol.Invalid):
        HASSFEST_SERVICES(bad)


def _service_fields(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Yield the fields, looking inside sections."""
    for name, spec in (schema.get("fields") or {}).items():
        if isinstance(spec, dict) and "fields" in spec:
            yield from spec["fields"].items()
        else:
            yield name, spec


# -- every string the code uses exists ----------------------------------------------------

type Found = tuple[list[tuple[str, ...]], list[str]]  # paths that must be text, other problems


def _flow_strings(flow: Flow) -> Found:
    """Every step, menu option, error and abort reason the flow can show."""
    section, tree = flow.section, _flow_tree(flow.files)
    methods, shown = _step_methods(tree), _shown_steps(tree)
    problems = [] if shown else [f"no step found in {flow.files[0]}: is the scan broken?"]
    problems += [f"step {s!r} is shown but has no async_step_{s}" for s in shown - set(methods)]
    paths = [(*section, "step", step, "title") for step in sorted(shown)]
    for step, (call, options) in sorted(_menus(tree).items()):
        paths += [(*section, "step", step, "menu_options", option) for option in options]
        problems += [
            f"{_where(flow.files[0], call)}: menu option {option!r} has no step"
            for option in options - set(methods)
        ]
    errors = set(flow.error_values).union(*(_flow_errors(_tree(name)) for name in flow.files))
    paths += [(*section, "error", error) for error in sorted(errors)]
    aborts = _flow_aborts(tree)
    if section == ("config",) and _manifest().get("single_config_entry"):
        aborts.add("single_instance_allowed")
    paths += [(*section, "abort", reason) for reason in sorted(aborts)]
    if section[0] == "config_subentries":
        paths += [(*section, "entry_type"), (*section, "initiate_flow", "user")]
    return paths, problems


def _service_strings() -> Found:
    """The action dialog's names and descriptions."""
    paths: list[tuple[str, ...]] = []
    for service, schema in _services().items():
        paths += [("services", service, "name"), ("services", service, "description")]
        for field, _spec in _service_fields(schema or {}):
            base = ("services", service, "fields", field)
            paths += [(*base, "name"), (*base, "description")]
    return paths, []


def _entity_strings() -> Found:
    """Entities named by translation_key, and each state of an enum sensor."""
    descriptions = _entity_descriptions()
    problems = [] if descriptions else ["no translation_key found: is the scan broken?"]
    paths: list[tuple[str, ...]] = []
    for (platform, key), description in sorted(descriptions.items()):
        paths.append(("entity", platform, key, "name"))
        paths += [("entity", platform, key, "state", opt) for opt in _enum_options(description)]
    problems += [
        f"enum sensor {platform}.{key} has no options"
        for (platform, key), description in descriptions.items()
        if getattr(description, "device_class", None) == SensorDeviceClass.ENUM
        and not _enum_options(description)
    ]
    return paths, problems


def _exception_strings() -> Found:
    """Errors raised with a translation_key show ``exceptions.<key>.message``."""
    keys, unresolved = _exception_keys()
    problems = [f"computed translation_key at {where}: add it to DYNAMIC_EXCEPTION_KEYS"
                for where in unresolved]  # fmt: skip
    return [("exceptions", key, "message") for key in sorted(keys)], problems


def _issue_strings() -> Found:
    """A repair issue shows its title, and its description unless a fix flow explains it."""
    paths: list[tuple[str, ...]] = []
    problems: list[str] = []
    for name in _source_files():
        for call, key in _issue_keys(name):
            if key is None:
                problems.append(f"{_where(name, call)}: translation_key is not a literal")
                continue
            paths.append(("issues", key, "title"))
            if _get(_strings(), ("issues", key, "fix_flow")) is None:
                paths.append(("issues", key, "description"))
    return paths, problems


def _selector_strings() -> Found:
    """A translated select selector needs a label for every option it offers."""
    paths = [
        ("selector", key, "options", opt["value"] if isinstance(opt, dict) else str(opt))
        for _where_used, key, options in _translated_selectors()
        for opt in options
    ]
    return paths, []


STRING_SOURCES: dict[str, Callable[[], Found]] = {
    **{".".join(flow.section): (lambda flow=flow: _flow_strings(flow)) for flow in FLOWS},
    "services": _service_strings,
    "entities": _entity_strings,
    "exceptions": _exception_strings,
    "issues": _issue_strings,
    "selectors": _selector_strings,
}


@pytest.mark.parametrize("source", list(STRING_SOURCES))
def test_every_string_the_code_uses_exists(source: str) -> None:
    """A string the code can show but en.json lacks appears as a raw key in the UI."""
    paths, problems = STRING_SOURCES[source]()
    assert not problems, "\n".join(problems)
    missing = _missing(_strings(), *paths)
    assert not missing, f"translations/en.json lacks {missing}"


# -- the translations file ----------------------------------------------------------------


def _no_placeholders(path: tuple[str, ...]) -> bool:
    """Entity state strings cannot take placeholders (hassfest)."""
    return path[0] == "entity" and ("state" in path[3:] or "state_attributes" in path[3:])


def _value_problem(path: tuple[str, ...], value: Json) -> str | None:
    """Return why hassfest's translation_value_validator would refuse ``value``."""
    if not isinstance(value, str):
        return "is not a string"
    problem = None
    try:
        cv.string_with_no_html(value)
    except vol.Invalid:
        problem = "contains HTML"
    fields = [field for _, field, _, _ in string.Formatter().parse(value) if field]
    if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(value):
        problem = "has a placeholder inside single quotes"
    elif any(not field.isidentifier() for field in fields):
        problem = "has a placeholder that is not an identifier"
    elif fields and _no_placeholders(path):
        problem = "has a placeholder where none is allowed"
    elif value != value.strip():
        problem = "has leading or trailing spaces"
    elif not value:
        problem = "is empty"
    elif RE_URL.search(value):
        problem = "contains a URL (use a description placeholder)"
    return problem


def _bad_values(strings: dict[str, Any]) -> list[str]:
    problems = [
        f"{'.'.join(path)} {problem}"
        for path, value in _leaves(strings)
        if (problem := _value_problem(path, value))
    ]
    problems += [f"unknown section {key!r}" for key in set(strings) - TOP_LEVEL_TRANSLATION_KEYS]
    for section in _flow_sections(strings):
        flow = _get(strings, section) or {}
        where = ".".join(section)
        problems += [f"{where}: unknown key {key!r}" for key in set(flow) - FLOW_KEYS]
        for step, texts in (flow.get("step") or {}).items():
            problems += [f"{where}.step.{step}: unknown key {k!r}" for k in set(texts) - STEP_KEYS]
    return problems


def _flow_sections(strings: dict[str, Any]) -> list[tuple[str, ...]]:
    return [("config",), *(("config_subentries", k) for k in strings.get("config_subentries", {}))]


def _references(strings: dict[str, Any]) -> list[str]:
    """``[%key:...]`` is resolved only for core integrations; a custom one shows it verbatim."""
    return [
        ".".join(path)
        for path, value in _leaves(strings)
        if isinstance(value, str) and RE_REFERENCE.search(value)
    ]


def _bad_keys(strings: dict[str, Any]) -> list[str]:
    """Entity, state, selector, service, exception and issue keys are lower-case slugs."""
    keys: list[tuple[str, ...]] = []
    for platform, entities in (strings.get("entity") or {}).items():
        for key, texts in entities.items():
            keys += [("entity", platform, key)]
            keys += [("entity", platform, key, "state", s) for s in texts.get("state", {})]
            for attribute, attr_texts in (texts.get("state_attributes") or {}).items():
                base = ("entity", platform, key, "state_attributes", attribute)
                keys += [base, *((*base, "state", s) for s in attr_texts.get("state", {}))]
    for key, texts in (strings.get("selector") or {}).items():
        keys += [("selector", key, "options", option) for option in texts.get("options", {})]
    for service, texts in (strings.get("services") or {}).items():
        keys += [("services", service)]
        keys += [("services", service, "fields", field) for field in texts.get("fields", {})]
    keys += [
        (section, key) for section in ("exceptions", "issues") for key in strings.get(section, {})
    ]
    return [".".join(path) for path in keys if not RE_TRANSLATION_KEY.match(path[-1])]


def _undescribed_fields(strings: dict[str, Any]) -> list[str]:
    """HA's quality rule: every form field has a ``data_description``, and only real fields."""
    problems: list[str] = []
    for section in _flow_sections(strings):
        for step, texts in (_get(strings, (*section, "step")) or {}).items():
            where = ".".join((*section, "step", step))
            data, described = set(texts.get("data", {})), set(texts.get("data_description", {}))
            problems += [f"{where}.data_description.{key} is missing" for key in data - described]
            problems += [f"{where}.data_description.{key} has no data" for key in described - data]
    return problems


def _unsorted(tree: Json, path: str = "") -> Iterator[str]:
    if isinstance(tree, dict):
        keys = list(tree)
        if keys != sorted(keys):
            yield f"{path or '<top level>'}: {keys} -> {sorted(keys)}"
        for key, child in tree.items():
            yield from _unsorted(child, f"{path}.{key}" if path else key)


TRANSLATION_RULES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "values hassfest accepts": _bad_values,
    "no [%key:] references": _references,
    "valid keys": _bad_keys,
    "every form field described": _undescribed_fields,
    "keys sorted as Lokalise writes them": lambda strings: list(_unsorted(strings)),
}


@pytest.mark.parametrize("rule", list(TRANSLATION_RULES))
def test_translations(rule: str) -> None:
    """translations/en.json follows hassfest's rules (and HA's quality scale's)."""
    problems = TRANSLATION_RULES[rule](_strings())
    assert not problems, "translations/en.json:\n" + "\n".join(sorted(problems))


def _exception_keys() -> tuple[dict[str, str], list[str]]:
    """Return the exception translation keys (with where they are used) and unresolvable uses."""
    keys: dict[str, str] = {}
    unresolved: list[str] = []
    for name in _source_files():
        for call in _calls(_tree(name), RE_EXCEPTION_CLASS):
            node = _keyword(call, "translation_key")
            if node is None:
                continue
            if key := _string(node):
                keys.setdefault(key, _where(name, call))
            elif name in DYNAMIC_EXCEPTION_KEYS:
                for member in DYNAMIC_EXCEPTION_KEYS[name]:
                    keys.setdefault(str(member), _where(name, call))
            else:
                unresolved.append(_where(name, call))
    return keys, unresolved


def _issue_keys(name: str) -> Iterator[tuple[ast.Call, str | None]]:
    """Yield each issue-raising call (``create_issue`` or a ``_issue`` helper) and its key.

    A key that is the helper's own ``translation_key`` parameter, passed through, is skipped:
    the helper's callers name the real keys.
    """
    for call in _calls(_tree(name), re.compile(r"(create_issue|^_issue)$")):
        node = _keyword(call, "translation_key")
        if not (isinstance(node, ast.Name) and node.id == "translation_key"):
            yield call, _string(node)


def _translated_selectors() -> Iterator[tuple[str, str, list[Any]]]:
    """Yield (where, translation_key, options) of every translated SelectSelectorConfig.

    The arguments are evaluated in their own module, so constants and comprehensions over
    enums resolve exactly as Home Assistant sees them.
    """
    for name in _source_files():
        module = importlib.import_module(f"{PACKAGE}.{name.removesuffix('.py').replace('/', '.')}")
        namespace = vars(module)
        for call in _calls(_tree(name), "SelectSelectorConfig"):
            key_node, options_node = _keyword(call, "translation_key"), _keyword(call, "options")
            if key_node is None:
                continue
            where = _where(name, call)
            try:
                key = eval(compile(ast.Expression(key_node), name, "eval"), namespace)  # noqa: S307 - this repository's own source
                options = eval(compile(ast.Expression(options_node), name, "eval"), namespace)  # noqa: S307
            except Exception as err:  # noqa: BLE001 - reported as a test failure
                pytest.fail(f"{where}: cannot resolve the translated selector statically: {err}")
            yield where, str(key), list(options)
    for service, schema in _services().items():
        for field, spec in _service_fields(schema or {}):
            select = _get(spec, ("selector", "select")) or {}
            if key := select.get("translation_key"):
                yield f"services.yaml {service}.{field}", key, select.get("options", [])


# -- icons and the quality scale ----------------------------------------------------------


def test_icons() -> None:
    """Every entity and action has an icon, in the shape hassfest accepts, from MDI."""
    icons = _icons()
    problems = [f"unknown section {key!r}" for key in set(icons) - {"entity", "services"}]
    for (platform, key), description in sorted(_entity_descriptions().items()):
        entry = _get(icons, ("entity", platform, key))
        if not isinstance(entry, dict) or "default" not in entry:
            problems.append(f"entity.{platform}.{key}.default is missing")
            continue
        problems += [f"entity.{platform}.{key}: unknown key {k!r}" for k in set(entry) - ICON_KEYS]
        states = set(_enum_options(description))
        if platform in {Platform.BINARY_SENSOR, Platform.SWITCH}:
            states = {"on", "off"}
        if states:
            problems += [
                f"entity.{platform}.{key}.state.{state}: no such state"
                for state in set(entry.get("state", {})) - states
            ]
    problems += [
        f"services.{service} is missing"
        for service in _services()
        if _get(icons, ("services", service, "service")) is None
        and not isinstance(_get(icons, ("services", service)), str)
    ]
    problems += [
        f"{'.'.join(path)}: {value!r} is not an mdi: icon"
        for path, value in _leaves(icons)
        if not (isinstance(value, str) and RE_ICON.match(value))
    ]
    assert not problems, "icons.json:\n" + "\n".join(problems)


QUALITY_RULES = {
    "bronze": [
        "action-setup", "appropriate-polling", "brands", "common-modules",
        "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
        "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "entity-event-setup", "entity-unique-id",
        "has-entity-name", "runtime-data", "test-before-configure", "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    ],
    "gold": [
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases",
        "dynamic-devices", "entity-category", "entity-device-class",
        "entity-disabled-by-default", "entity-translations", "exception-translations",
        "icon-translations", "reconfiguration-flow", "repair-issues", "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}  # fmt: skip


def test_quality_scale() -> None:
    """quality_scale.yaml names every bronze to platinum rule; exemptions and todos say why."""
    text = (INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8")
    rules = yaml.safe_load(text)["rules"]
    wanted = {rule for tier in QUALITY_RULES.values() for rule in tier}
    assert set(rules) == wanted, f"missing {wanted - set(rules)}, unknown {set(rules) - wanted}"
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"done", "todo", "exempt"}, rule
        if status != "done":
            assert isinstance(value, dict), f"{rule}: an {status} rule needs a comment"
            assert value.get("comment"), f"{rule}: an {status} rule needs a comment"
    assert (INTEGRATION / "brand" / "icon.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
