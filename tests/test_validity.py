"""Heldar's metadata, checked as hassfest and HACS would: neither ships in Home Assistant's wheel.

Each rule is a function of one file's content (the shared ones are in tests/validity_rules.py).
test_rule runs it on the real file, test_rule_catches on a copy with one mistake, so every rule
is shown to fail. Most mistakes would show in the UI as a raw key: a step, error, entity, state,
option, issue or exception whose string is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import product
import json
from pathlib import Path
import re
from types import SimpleNamespace
from typing import Any, NamedTuple

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import service
from homeassistant.loader import Integration, Manifest
from pydantic import TypeAdapter, ValidationError
import pytest

from custom_components.heldar import camera_checks, card, const, diagnostics, texts
from custom_components.heldar.camera_flow import CameraSubentryFlow
from custom_components.heldar.config_flow import HeldarConfigFlow
from custom_components.heldar.const import DOMAIN, SUBENTRY_CAMERA
from custom_components.heldar.export import ExportError
from custom_components.heldar.options_flow import HeldarOptionsFlow
from custom_components.heldar.recorder.probe import ProbeOutcome
from custom_components.heldar.recorder.storage import StorageProblem
from custom_components.heldar.repairs import CameraLoginRepairFlow
from custom_components.heldar.share import ShareError

from . import validity_rules as rules
from .readme_figures import figures_problems, load_figures
from .validity_rules import INTEGRATION, ROOT, SERVICES, Call, Key, Tree, get, load

MANIFEST, ICONS = (
    f"custom_components/{DOMAIN}/manifest.json",
    f"custom_components/{DOMAIN}/icons.json",
)
STRINGS = f"custom_components/{DOMAIN}/translations/en.json"


class Flow(NamedTuple):
    """A flow: where its strings live, its class, and the modules that build its forms."""

    section: Key
    cls: type
    files: tuple[str, ...]
    computed_errors: frozenset[str]  # errors set as str(an enum member)
    no_form: frozenset[str] = frozenset()  # steps that only save, abort or move on
    extra: tuple[Key, ...] = ()


PROBE_ERRORS = frozenset(ProbeOutcome) - {ProbeOutcome.OK}
# The camera flow's error for each failed try, on each stream's field.
STREAM_ERRORS = frozenset(
    key for errors in (camera_checks.STREAM_ERRORS, camera_checks.SUB_STREAM_ERRORS,
                       camera_checks.ENTITY_ERRORS) for _, key in errors.values()
)  # fmt: skip
CAMERA = f"config_subentries.{SUBENTRY_CAMERA}"
FLOWS = {
    "config": Flow(("config",), HeldarConfigFlow, ("config_flow.py",), frozenset(StorageProblem),
                   extra=(("abort", "single_instance_allowed"),)),  # single_config_entry
    CAMERA: Flow(("config_subentries", SUBENTRY_CAMERA), CameraSubentryFlow,
                 ("camera_flow.py", "camera_checks.py", "camera_schemas.py", "schedule_editor.py",
                  "schedule_form.py"), STREAM_ERRORS, frozenset({"save", "schedule_done"}),
                 (("entry_type",), ("initiate_flow", "user"))),
    "fix_flow": Flow(("issues", "camera_auth", "fix_flow"), CameraLoginRepairFlow,
                     ("repairs.py",), PROBE_ERRORS, frozenset({"init"})),
    "options": Flow(("options",), HeldarOptionsFlow, ("options_flow.py",), frozenset()),
}  # fmt: skip
# Functions whose translation_key is computed, and the keys it can be.
COMPUTED_KEYS: dict[str, frozenset[str]] = {
    "async_setup_entry": frozenset(StorageProblem),
    "_invalid": frozenset(ExportError),
    "refused": frozenset(ShareError),
    "_issue": frozenset(),  # passes its callers' keys on: they are checked where they call it
}
# The strings a translation_key needs, by callee (an exception: any call given translation_domain).
KEY_KINDS: dict[str, Callable[[Call, str, Tree], list[Key]]] = {
    r"Description$": lambda call, key, _: [
        ("entity", Path(call.file).stem, key, *path)
        for path in [("name",), *(("state", option) for option in call.arg("options") or ())]],
    r"SelectSelectorConfig$": lambda call, key, _: [
        ("selector", key, "options", option) for option in call.arg("options") or ()],
    r"create_issue$|^_issue$": lambda _, key, strings: [
        ("issues", key, "title"),  # and a description, unless a fix flow explains it
        *([] if get(strings, ("issues", key, "fix_flow")) else [("issues", key, "description")])],
    r"^exception$": lambda _, key, __: [("exceptions", key, "message")],
}  # fmt: skip


def flow_problems(flow: Flow, strings: Tree) -> list[str]:
    """Every step, menu option, form field, error and abort a flow can show has its text."""
    section, where = flow.section, ".".join(flow.section)
    steps = {name.removeprefix("async_step_") for klass in flow.cls.__mro__
             if klass.__module__.startswith(f"custom_components.{DOMAIN}")
             for name in vars(klass) if name.startswith("async_step_")}  # fmt: skip
    step_texts: Tree = get(strings, (*section, "step")) or {}
    shown = {s for c in rules.calls(r"^async_show_", flow.files) for s in c.arg("step_id") or ()}
    no_step = (set(step_texts) | shown) - steps  # a translated or shown step without its method
    problems = [f"{where}.step.{step}: no async_step_{step}" for step in sorted(no_step)]
    paths = [(*section, "step", step, "title") for step in steps - flow.no_form]
    for call in rules.calls(r"^async_show_menu$", flow.files):
        for step, option in product(call.arg("step_id") or (), call.arg("menu_options") or ()):
            paths.append((*section, "step", step, "menu_options", option))
            if option not in steps:
                problems.append(f"{call}: menu option {option} is no step")
    fields = {f for c in rules.calls(r"^(Required|Optional)$", flow.files) for f in c.arg(0) or ()}
    labelled = {field for texts in step_texts.values() for field in texts.get("data", {})}
    problems += [f"{where}: no step has data.{field}" for field in sorted(fields - labelled)]
    errors = rules.error_literals(flow.files) | flow.computed_errors
    aborts = {r for c in rules.calls(r"^async_abort$", flow.files) for r in c.arg("reason") or ()}
    if rules.calls(r"^_abort_if_unique_id_configured$", flow.files):
        aborts.add("already_configured")
    paths += [(*section, "error", e) for e in errors] + [(*section, "abort", r) for r in aborts]
    return problems + rules.missing(strings, paths + [(*section, *path) for path in flow.extra])


def keyed_problems(strings: Tree) -> list[str]:
    """Each translation_key in the code, each action and its fields, each logbook line."""
    paths: list[Key] = [("selector", "logbook_line", "options", k) for k in texts.LOGBOOK_LINES]
    paths += [
        ("entity", Path(f).stem, k, "name") for f, k in rules.assigned("_attr_translation_key")
    ]
    problems: list[str] = []
    for call in rules.calls(r"."):
        if (literal := call.arg("translation_key")) is None:
            continue
        is_error = call.arg("translation_domain") is not None
        kind = "exception" if is_error else rules.callee(call.node)
        build = next((b for kind_re, b in KEY_KINDS.items() if re.search(kind_re, kind)), None)
        keys = literal or COMPUTED_KEYS.get(getattr(call.scope, "name", ""))
        if build is None or keys is None:
            problems.append(f"{call}: a computed key (add it to COMPUTED_KEYS) or an unknown kind")
            continue
        paths += [path for key in keys for path in build(call, key, strings)]
    for name, spec in load(SERVICES).items():
        for field in [(), *(("fields", field) for field, _ in rules.service_fields(spec))]:
            paths += [("services", name, *field, text) for text in ("name", "description")]
    return problems + rules.missing(strings, paths)


# The keys hassfest requires of a custom integration, each with the rule for its value.
MANIFEST_VALUES: dict[str, Callable[[Any], bool]] = {
    "domain": lambda v: v == INTEGRATION.name,
    "name": bool,
    "codeowners": lambda v: bool(v) and all(owner.startswith("@") for owner in v),
    "config_flow": lambda v: v is (INTEGRATION / "config_flow.py").is_file(),
    "dependencies": lambda v: "ffmpeg" in v,
    "documentation": lambda v: v.startswith("https://") and "home-assistant.io" not in v,
    "integration_type": bool,
    "iot_class": lambda v: v in {"assumed_state", "calculated", "cloud_polling", "cloud_push",
                                 "local_polling", "local_push"},
    "issue_tracker": lambda v: v.startswith("https://"),
    "version": bool,  # whether Home Assistant accepts it: test_home_assistant_loads_the_manifest
}  # fmt: skip


def manifest_problems(manifest: Tree) -> list[str]:
    """HA's Manifest type, hassfest's keys and order, dependencies real and complete."""
    try:
        TypeAdapter(Manifest).validate_python(manifest, strict=True)
    except ValidationError as err:
        return [f"not a Home Assistant Manifest: {err}"]
    problems = [f"{key}: no manifest key" for key in set(manifest) - set(Manifest.__annotations__)]
    problems += [f"{key}: missing or wrong" for key, ok in MANIFEST_VALUES.items()
                 if key not in manifest or not ok(manifest[key])]  # fmt: skip
    if list(manifest) != (order := sorted(manifest, key=lambda k: (k != "domain", k != "name", k))):
        problems.append(f"keys are not in the order {order}")
    deps, after = manifest.get("dependencies", []), manifest.get("after_dependencies", [])
    components = Path(service.__file__).parent.parent / "components"
    problems += [f"{d}: no such integration" for d in deps + after if not (components / d).is_dir()]
    problems += [f"{dep}: in both dependency lists" for dep in set(deps) & set(after)]
    listed = {*Platform, *deps, *after, *(path.stem for path in INTEGRATION.glob("*.py"))}
    imported = rules.imported_components()
    return problems + [
        f"{at}: imports {name}, no dependency" for at, name in imported if name not in listed
    ]


def redaction_problems(redacted: set[str]) -> list[str]:
    """Diagnostics redact every credential a camera's settings hold."""
    secrets = {
        v for k, v in vars(const).items() if re.match(r"CONF_\w*(PASSWORD|USERNAME|TOKEN)", k)
    }
    return [f"diagnostics shows {key}" for key in sorted(secrets - redacted)]


FILES = {  # files that must be committed, and what each must contain
    card.CARD_FILE: b'"heldar-timeline-card"',  # the built card bundle, which HACS installs
    INTEGRATION / "brand" / "icon.png": b"\x89PNG\r\n\x1a\n",
    ROOT / "LICENSE": b"Apache License",
    ROOT / "README.md": b"[LICENSE](LICENSE)",
}
RULES: dict[str, tuple[Callable[[], Any], Callable[[Any], list[str]]]] = {
    "manifest": (partial(load, MANIFEST), manifest_problems),
    "hacs": (partial(load, "hacs.json"), rules.hacs_problems),
    "services": (partial(load, SERVICES), rules.services_problems),
    "icons": (partial(load, ICONS), rules.icons_problems),
    "strings": (partial(load, STRINGS), rules.strings_problems),
    "keys": (partial(load, STRINGS), keyed_problems),
    **{
        name: (partial(load, STRINGS), partial(flow_problems, flow)) for name, flow in FLOWS.items()
    },
    "redaction": (lambda: set(diagnostics.TO_REDACT), redaction_problems),
    "figures": (load_figures, figures_problems),
    **{
        p.name: (partial(Path, p), partial(rules.file_problems, needed=b)) for p, b in FILES.items()
    },
}
DROP = object()


def _set(dotted: str, value: object = DROP) -> Callable[[Tree], Tree]:
    """Return a breaker: it sets (or drops) the value at a dotted path of a tree."""

    def broken(tree: Tree) -> Tree:
        *parents, last = dotted.split(".")
        parent = get(tree, parents)
        parent.pop(last) if value is DROP else parent.update({last: value})
        return tree

    return broken


def _drop_each(rule: str, *paths: str) -> list[tuple[str, Callable[[Tree], Tree], str]]:
    return [(rule, _set(path), path) for path in paths]


# (rule, how to break its file, a part of the problem it must then report)
BROKEN: list[tuple[str, Callable[[Any], Any], str]] = [
    ("manifest", _set("colour", "red"), "colour: no manifest key"),
    ("manifest", _set("dependencies", "ffmpeg"), "Input should be a valid list"),
    ("manifest", _set("integration_type", "camera"), "Input should be 'entity'"),
    ("manifest", _set("domain", "heldar2"), "domain: missing or wrong"),
    ("manifest", _set("iot_class", "local_pull"), "iot_class: missing or wrong"),
    ("manifest", _set("issue_tracker"), "issue_tracker: missing"),
    ("manifest", _set("dependencies", ["http"]), "dependencies: missing or wrong"),
    ("manifest", lambda manifest: {"name": manifest.pop("name"), **manifest}, "not in the order"),
    ("manifest", _set("after_dependencies", ["camera", "frontend", "logbook", "nope"]), "nope"),
    ("manifest", _set("after_dependencies", ["camera", "logbook"]), "imports frontend"),
    ("hacs", _set("zip_relase", value=True), "zip_relase: not a HACS key"),
    ("hacs", _set("homeassistant", "2099.1.0"), "is newer than"),
    ("services", _set("export.fields.start.selector", {"no_such": {}}), "refuses"),
    ("services", _set("trigger.target.device", {"integration": DOMAIN}), "device filter"),
    ("services", _set("export.fields.start.selector"), "export.start: no selector"),
    ("services", _set("export.fields.start.requried", value=True), "unknown key requried"),
    ("services", _set("snapshot", None), "registered"),
    ("icons", _set("entity.sensor.free_space"), "free_space: no default icon"),
    ("icons", _set("entity.switch.recording.state.paused", "mdi:pause"), "state.paused"),
    ("icons", _set("services.export.service", "mdi-export"), "no mdi: icon"),
    ("icons", _set("services.trigger"), "services.trigger: no icon"),
    ("strings", lambda strings: dict(reversed(strings.items())), "<top>: keys are not sorted"),
    ("strings", _set("config.step.user.title", " Heldar"), "padded"),
    ("strings", _set("entity.switch.recording.name", "<b>Rec</b>"), "contains HTML"),
    ("strings", _set("config.step.user.title", "[%key:common::ok%]"), "[%key:]"),
    ("strings", _set("entity.sensor.recorder_state.state.idle", "Idle {x}"), "entity state"),
    ("strings", _set("config.step.user.data_description.storage_dir"), "differ"),
    ("strings", _set("config.step.user.title", 3), "config.step.user.title is not text"),
    *_drop_each("keys", "entity.button.trigger.name", "entity.sensor.recorder_state.state.idle",
                "entity.select.record_mode.state.event", "selector.weekday.options.0",
                "selector.record_mode.options.event", "selector.logbook_line.options.clip",
                "exceptions.unknown_media.message", "exceptions.no_footage.message",
                "exceptions.storage_missing.message", "issues.camera_failing.description",
                "issues.ffmpeg_too_old.title", "services.export.fields.camera.description"),
    *_drop_each("config", "config.step.reconfigure.title", "config.error.storage_not_writable",
                "config.error.mirror_same_as_storage", "config.abort.reconfigure_successful"),
    *_drop_each(CAMERA, f"{CAMERA}.step.schedule_empty.title", f"{CAMERA}.error.name_taken",
                f"{CAMERA}.step.reconfigure.menu_options.save", f"{CAMERA}.error.window_empty",
                f"{CAMERA}.error.invalid_auth", f"{CAMERA}.abort.reconfigure_restarted",
                f"{CAMERA}.entry_type"),
    (CAMERA, _set(f"{CAMERA}.step.recording.data.quota_gb"), "no step has data.quota_gb"),
    (CAMERA, _set(f"{CAMERA}.step.snapshot", {"title": "x"}), "no async_step_snapshot"),
    *_drop_each("fix_flow", "issues.camera_auth.fix_flow.error.invalid_auth",
                "issues.camera_auth.fix_flow.step.credentials.title"),
    *_drop_each("options", "options.step.init.title"),
    ("options", _set("options.step.init.data.allow_user_export"),
     "no step has data.allow_user_export"),
    *_drop_each("keys", "exceptions.share_not_found.message",
                "exceptions.export_queue_full.message",
                "services.share.fields.expires_in.description"),
    ("redaction", lambda redacted: redacted - {const.CONF_PASSWORD}, "shows password"),
    ("figures",
     lambda d: {**d, "readme": d["readme"].replace("| 1.498 | ratio", "| 1.49 | ratio")},
     "'| P7_loop_lag_p99_ratio_vs_control | 1.49 | ratio"),
    ("figures", lambda d: {**d, "rows": [r for r in d["rows"] if r["benchmark"] != "review"]},
     "bench/review.py is quoted, but results.json has no row"),
    ("figures", lambda d: {**d, "readme": d["readme"].replace("took 134.8 ms", "took 134 ms")},
     "134 ms (click_to_frame): no row"),
    *((path.name, lambda path: path.with_name("missing"), "lacks") for path in FILES),
]  # fmt: skip


@pytest.mark.parametrize("rule", RULES)
def test_rule(rule: str) -> None:
    """Heldar's files follow each rule."""
    data, check = RULES[rule]
    assert check(data()) == []


@pytest.mark.parametrize(
    ("rule", "breaker", "expected"), BROKEN, ids=[f"{r}:{e}" for r, _, e in BROKEN]
)
def test_rule_catches(rule: str, breaker: Callable[[Any], Any], expected: str) -> None:
    """Each rule reports the mistake it is there for."""
    data, check = RULES[rule]
    problems = check(breaker(data()))
    assert any(expected in problem for problem in problems), problems


def test_json_refuses_repeated_keys() -> None:
    """JSON keeps the last of two equal keys silently: the files are read refusing them."""
    with pytest.raises(ValueError, match="duplicate keys"):
        json.loads('{"title": "a", "title": "b"}', object_pairs_hook=rules.unique_keys)


@pytest.mark.parametrize(("version", "loads"), [(None, True), ("one", False), (DROP, False)])
async def test_home_assistant_loads_the_manifest(
    hass: HomeAssistant, tmp_path: Path, version: object, *, loads: bool
) -> None:
    """Home Assistant's loader takes the manifest: it blocks a custom one without a version."""
    manifest = load(MANIFEST) if version is None else _set("version", version)(load(MANIFEST))
    (tmp_path / DOMAIN).mkdir()
    (tmp_path / DOMAIN / "manifest.json").write_text(json.dumps(manifest))
    root: Any = SimpleNamespace(__name__="custom_components", __path__=[str(tmp_path)])
    assert (Integration.resolve_from_root(hass, root, DOMAIN) is not None) is loads
