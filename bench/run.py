"""Run benchmarks one by one, print their JSON lines, and write the table the README quotes.

Each benchmark is its own process (a fresh Home Assistant, nothing left over from the last
one). Their chatter (HA's logs) goes to ``bench/last-run.log``; the metrics go to stdout,
``bench/results.json`` and ``bench/results.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path
import platform
import subprocess
import sys
import time

HERE = Path(__file__).resolve().parent

# name -> (script, the ids it measures, roughly how long it takes)
BENCHMARKS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "overhead": ("overhead.py", ("P1", "P7"), "30 min"),
    "report_floor": ("report_floor.py", ("P1",), "12 min"),
    "vs_camera_record": ("vs_camera_record.py", ("P2",), "5 min"),
    "continuity": ("continuity.py", ("P3",), "11 min"),
    "preroll": ("preroll.py", ("P4",), "5 min"),
    "recovery": ("recovery.py", ("P5",), "3 min"),
    "silent_stream": ("silent_stream.py", ("P6",), "3 min"),
    "scale32": ("scale32.py", ("P8",), "5 min"),
    "boundaries": ("boundaries.py", (), "2 min"),
    "retention": ("retention_10k.py", (), "10 s"),
    "browse": ("browse_1440.py", (), "10 s"),
    "click_to_frame": ("click_to_frame.py", (), "3 min"),
    "seek": ("seek.py", (), "9 min"),
    "grid_sync": ("grid_sync.py", (), "5 min"),
    "review": ("review.py", (), "1 min"),
    "storm": ("storm.py", (), "6 min"),
    "dual_storage": ("dual_storage.py", (), "4 min"),
    "clock": ("clock.py", (), "30 min"),
    "previews": ("previews.py", (), "8 min"),
    "activity": ("activity.py", (), "7 min"),
    "activity_sensor": ("activity_sensor.py", (), "6 min"),
    "soak": ("soak.py", (), "6 h (--soak-minutes for a short run)"),
}


LONG_SOAK_MINUTES = 90


def selected(names: list[str]) -> list[str]:
    """Map ids (P1..P8) and names to benchmark names, in the table's order."""
    if not names:  # the soak takes hours: only when asked for
        return [name for name in BENCHMARKS if name != "soak"]
    wanted = {name.lower() for name in names}
    chosen = [
        name
        for name, (_, ids, _) in BENCHMARKS.items()
        if name in wanted or any(i.lower() in wanted for i in ids)
    ]
    known = set(BENCHMARKS) | {i.lower() for _, ids, _ in BENCHMARKS.values() for i in ids}
    if unknown := wanted - known:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {sorted(known)}")
    return chosen


def run(name: str, log: Path, extra: list[str]) -> list[dict[str, object]]:
    """Run one benchmark; return its metrics (a failed run is one failing record)."""
    script = HERE / BENCHMARKS[name][0]
    started = time.monotonic()
    with log.open("a") as chatter:
        chatter.write(f"\n===== {name} ({script.name}) =====\n")
        chatter.flush()
        result = subprocess.run(
            [sys.executable, str(script), *extra],
            stdout=subprocess.PIPE,
            stderr=chatter,
            text=True,
            check=False,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    records: list[dict[str, object]] = []
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            record["benchmark"] = name
            records.append(record)
            print(json.dumps(record), flush=True)
    if result.returncode != 0:
        record = {
            "metric": f"{name}_run",
            "value": result.returncode,
            "unit": "exit code",
            "target": "0",
            "pass": False,
            "benchmark": name,
            "note": f"the benchmark failed; see {log}",
        }
        print(json.dumps(record), flush=True)
        records.append(record)
    print(f"# {name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return records


def extras(name: str, args: argparse.Namespace) -> list[str]:
    """Return a benchmark's options: the soak's shorter versions, overhead's re-derivation.

    A soak of 90 minutes or more keeps the full run's hour of warm-up, 10-minute samples and
    hour of retention, so its flat line is judged as the 6 h run's would be; a shorter one
    scales them down.
    """
    if name == "overhead" and args.rederive:
        return ["--rederive"]
    if name == "clock" and args.clock_phases:
        return ["--phases", args.clock_phases]
    if name != "soak" or args.soak_minutes is None:
        return []
    minutes = args.soak_minutes
    long_enough = minutes >= LONG_SOAK_MINUTES
    return [
        "--minutes",
        f"{minutes:g}",
        "--warmup-minutes",
        f"{60 if long_enough else max(minutes * 0.3, 6):g}",
        "--sample-minutes",
        f"{10 if long_enough else max(minutes / 10, 1):g}",
        "--retention-hours",
        "1" if long_enough else "0.05",
    ]


def cell(value: object) -> str:
    """Format a table cell."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    return str(value)


def met(record: dict[str, object]) -> str:
    """Return the table's verdict: yes, no, - (no target), or unresolved (see overhead.py)."""
    return "unresolved" if record.get("resolved") is False else cell(record["pass"])


def table(records: list[dict[str, object]]) -> str:
    """Return the Markdown table of every metric."""
    lines = [
        "| metric | value | unit | target | met |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['metric']} | {cell(r['value'])} | {r['unit']} | {r['target']} | {met(r)} |"
        for r in records
    ]
    return "\n".join(lines)


def _lag(window: object) -> str:
    w = window if isinstance(window, dict) else {}
    return f"p50/p99/max {w.get('p50_ms')}/{w.get('p99_ms')}/{w.get('max_ms')} ms"


def controls(records: list[dict[str, object]]) -> str:
    """Return the figures each ratio was taken against, measured in the same run."""
    lines = []
    for r in records:
        metric = str(r["metric"])
        if metric == "P7_loop_lag_p99_ratio_vs_control":
            lines.append(
                f"- {metric} ({r.get('measured')}): Heldar {_lag(r.get('heldar'))}; control "
                f"(same FFmpeg outside HA) {_lag(r.get('control'))}; HA idle {_lag(r.get('idle'))}"
            )
        elif metric.startswith("P1_ha_cpu_per_camera_n"):
            held, ctrl = r.get("heldar"), r.get("control")
            held_pct = held.get("ha_core_pct") if isinstance(held, dict) else None
            ctrl_pct = ctrl.get("ha_core_pct") if isinstance(ctrl, dict) else None
            lines.append(
                f"- {metric} ({r.get('measured')}): HA {held_pct} % of a core with Heldar, "
                f"{ctrl_pct} % in the control; FFmpeg "
                f"{r.get('ffmpeg_core_pct_per_camera')} % per camera"
            )
        elif metric == "storm_ha_cpu_added_core_pct":
            lines.append(
                f"- {metric} ({r.get('measured')}): {r.get('per_trigger_call_ms')} ms per call; "
                f"lag p99 {r.get('lag_p99_storm_ms')} ms in the storm, "
                f"{r.get('lag_p99_quiet_ms')} ms in the quiet phase (the control)"
            )
    if not lines:
        return ""
    return "\nThe same-run controls of the ratios above:\n\n" + "\n".join(lines) + "\n"


def write_markdown(merged: list[dict[str, object]]) -> None:
    """Write results.md: the table, then the controls the ratios were taken against."""
    machine = f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    dates = sorted({str(r.get("measured", "?")) for r in merged})
    (HERE / "results.md").write_text(
        f"Measured on {machine} ({', '.join(dates)}).\n\n{table(merged)}\n{controls(merged)}"
    )


def main() -> None:
    """Run the chosen benchmarks and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="P1..P8 or benchmark names; none = all")
    parser.add_argument(
        "--soak-minutes",
        type=float,
        help="a shorter soak of this many minutes (under 90: warm-up, samples and retention"
        " scaled down; from 90: the full run's hour of warm-up and of retention)",
    )
    parser.add_argument(
        "--rederive",
        action="store_true",
        help="overhead: write P1's rows again from the recorded ones, with today's verdicts",
    )
    parser.add_argument(
        "--clock-phases",
        help="clock: run only these phases (single, dual); the other phase's rows are kept",
    )
    args = parser.parse_args()
    names = selected(args.names)
    log = HERE / "last-run.log"
    log.write_text("")
    records = [record for name in names for record in run(name, log, extras(name, args))]
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    for record in records:
        # A re-derived row keeps when it was measured, and says when it was derived.
        if "measured" in record:
            record["rederived"] = when
        record.setdefault("measured", when)
    # A subset replaces its own benchmarks' rows and keeps the others from earlier runs.
    saved = HERE / "results.json"
    earlier = json.loads(saved.read_text()) if saved.exists() else []
    # Rows of benchmarks that no longer exist (renamed or replaced) are dropped.
    fresh = {str(r["metric"]) for r in records}
    partial = {"clock"} if args.clock_phases else set()
    merged = [
        r
        for r in earlier
        if r.get("benchmark") in BENCHMARKS
        and (
            r.get("benchmark") not in names
            or (r.get("benchmark") in partial and r["metric"] not in fresh)
        )
    ] + records
    merged.sort(key=lambda r: list(BENCHMARKS).index(str(r.get("benchmark"))))
    saved.write_text(json.dumps(merged, indent=1) + "\n")
    write_markdown(merged)
    print(f"# wrote {HERE / 'results.md'} and results.json; logs in {log}", file=sys.stderr)
    sys.exit(0 if all(r["pass"] is not False for r in records) else 1)


if __name__ == "__main__":
    main()
