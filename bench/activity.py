"""Issue 26: activity from frame sizes, against the scripted ground truth and a decoder.

For each scripted camera of ``activity_scenes.SCENES`` (rendered once, kept in ``--work``):

- Heldar's way: each segment is replayed fragment by fragment into a growing file, as FFmpeg
  writes it, and after each fragment ``FrameReader.read_new`` reads the new ``moof``, the
  ``ActivityMeter`` takes its frames, and every 10 fragments the seconds it closed are
  written to the day file. Its CPU is the process time of those calls only (reported apart),
  its memory the traced peak.
- Frigate's way, in the same run on the same files: decode at 5 fps, downscale, diff against
  a running average (``activity_decoder.py``).

Both are scored per wall-clock second against the logged windows (a second is truly active
when the object moves in frame during any part of it). With one GOP of tolerance: a detected
second within one GOP of a window is not a false positive, and a truly active second counts
as found when a second within one GOP of it, inside the widened window, was detected. Strict
per-second figures are reported too. Latency is from a window's start to the end of the first
fragment after which the meter's live level is active (the fragment's end is when FFmpeg
writes it), and for the decoder to its first frame with motion.

Then the storage: 30 days of 8 cameras written as day files, and the time to load them all
(the page cache warm, as on a running Home Assistant) and to find every active span in them.

Prints one JSON line per metric, like the other benchmarks. Figures from a machine others are
using are indicative; both methods are measured in the same run.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import datetime as dt
import json
import math
import os
from pathlib import Path
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

from activity_decoder import DETECT_FPS, DecoderRun, decode_motion
from activity_scenes import DURATION, IR_SWITCH, SCENES, STEPS, Scene, render, segments
from common import emit

from custom_components.heldar.recorder.activity import ActivityMeter, threshold
from custom_components.heldar.recorder.activity_store import DAY, ActivityStore
from custom_components.heldar.recorder.fmp4 import read_layout, read_moofs
from custom_components.heldar.recorder.frame_sizes import FrameReader

# Media time zero on the wall clock: a fraction of a second in, so that wall seconds do not
# line up with keyframes (they do not on a camera).
EPOCH = 1_795_000_000.37
HOUR = 3600.0
SENSITIVITIES = (0.0, 0.25, 0.5, 0.75, 1.0)
DEFAULT_SENSITIVITY = 0.5
CPU_RATIO_TARGET = 1 / 50
# Levels are written to the day file every this many fragments (10 s), as the integration
# should: the sensor reads the meter, not the file, and a crash loses 10 s of levels, which
# then read as unmeasured and are kept like active footage.
WRITE_EVERY = 10


@dataclass(slots=True)
class MeterRun:
    """What the meter said about one scene and what it cost."""

    levels: dict[int, int]  # wall second -> level byte
    live: list[tuple[float, int]]  # (fragment end on the wall clock, live level)
    cpu: dict[str, float]  # CPU seconds reading moofs, in the meter, writing day files
    peak: int
    fragments: int


def _copy(source: int, sink: int, offset: int, count: int) -> None:
    """Append ``count`` bytes of ``source`` from ``offset`` to ``sink``, in the kernel."""
    while count > 0:
        done = os.copy_file_range(source, sink, count, offset)
        assert done > 0, "the source ended early"
        offset += done
        count -= done


def replay(files: list[tuple[Path, float]], scratch: Path) -> MeterRun:
    """Feed a scene to a meter fragment by fragment, as the files grew when FFmpeg wrote them."""
    plan = []
    for path, start in files:
        layout = read_layout(path)
        assert layout is not None, path
        pieces = [(found.offset, found.size) for found, _ in read_moofs(path, layout)]
        plan.append((path, start, layout.init_end, pieces))
    meter = ActivityMeter()
    store = ActivityStore(scratch)
    levels: dict[int, int] = {}
    live: list[tuple[float, int]] = []
    cpu = dict.fromkeys(("read", "meter", "store"), 0.0)
    unwritten: list[tuple[int, int]] = []
    count = 0
    # Bytes are copied by the kernel, so the traced peak is the meter's and the reader's.
    tracemalloc.start()
    for path, start, init_end, pieces in plan:
        growing = scratch / path.name
        with path.open("rb") as source, growing.open("wb") as sink:
            _copy(source.fileno(), sink.fileno(), 0, init_end)
            reader = FrameReader(growing)
            for offset, size in pieces:
                _copy(source.fileno(), sink.fileno(), offset, size)
                began = time.process_time()
                fragments = reader.read_new()
                read = time.process_time()
                for frames in fragments:
                    closed = meter.add(EPOCH + start, frames)
                    unwritten += closed
                    levels.update(closed)
                    live.append((EPOCH + start + frames.end, meter.live_level()))
                measured = time.process_time()
                count += 1
                if count % WRITE_EVERY == 0:
                    store.write(unwritten)
                    unwritten = []
                cpu["read"] += read - began
                cpu["meter"] += measured - read
                cpu["store"] += time.process_time() - measured
        growing.unlink()
    closed = meter.flush()
    levels.update(closed)
    store.write(unwritten + closed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return MeterRun(levels, live, cpu, peak, count)


def truth_seconds(scene: Scene) -> set[int]:
    """Wall seconds in which the object moves in frame."""
    return {
        second
        for start, end, _ in scene.windows
        for second in range(math.floor(EPOCH + start), math.ceil(EPOCH + end))
    }


def widened(scene: Scene, margin: float) -> set[int]:
    """Wall seconds within ``margin`` of a window."""
    return {
        second
        for start, end, _ in scene.windows
        for second in range(math.floor(EPOCH + start - margin), math.ceil(EPOCH + end + margin))
    }


def score(scene: Scene, detected: set[int], measured: set[int]) -> dict[str, float | int]:
    """Precision and recall of ``detected`` seconds, strict and with one GOP of tolerance."""
    truth = truth_seconds(scene) & measured
    tolerance = widened(scene, scene.gop_seconds)
    gop = math.ceil(scene.gop_seconds)
    found = {
        second
        for second in truth
        if any(
            near in detected and near in tolerance for near in range(second - gop, second + gop + 1)
        )
    }
    strict_hits = len(truth & detected)
    false = detected - tolerance
    return {
        "precision": round(1 - len(false) / len(detected), 4) if detected else 1.0,
        "recall": round(len(found) / len(truth), 4) if truth else 1.0,
        "precision_strict": round(strict_hits / len(detected), 4) if detected else 1.0,
        "recall_strict": round(strict_hits / len(truth), 4) if truth else 1.0,
        "false_positive_seconds": len(false),
        "idle_seconds": len(measured - tolerance),
        "true_seconds": len(truth),
    }


def latencies(scene: Scene, times: list[tuple[float, bool]]) -> list[float | None]:
    """Per window: seconds from its start to the first positive decision inside it (+1 GOP)."""
    result: list[float | None] = []
    for start, end, _ in scene.windows:
        begin, stop = EPOCH + start, EPOCH + end + scene.gop_seconds
        hits = [moment for moment, positive in times if positive and begin <= moment <= stop]
        result.append(round(min(hits) - begin, 3) if hits else None)
    return result


def near_events(scene: Scene, detected: set[int]) -> dict[str, int]:
    """False positive seconds in the 10 s after each brightness step or the IR switch."""
    tolerance = widened(scene, scene.gop_seconds)
    moments = [t for pair in STEPS for t in pair] if scene.steps else []
    moments += [IR_SWITCH] if scene.ir_switch else []
    return {
        f"{moment:g}": len(
            {s for s in detected if EPOCH + moment - 1 <= s < EPOCH + moment + 10} - tolerance
        )
        for moment in moments
    }


def meter_report(scene: Scene, run: MeterRun, hours: float) -> dict[str, object]:
    """Score the meter at every sensitivity; latency and step figures at the default."""
    measured = {second for second, level in run.levels.items() if level}
    by_sensitivity = {}
    for sensitivity in SENSITIVITIES:
        floor = threshold(sensitivity)
        detected = {second for second, level in run.levels.items() if level >= floor}
        by_sensitivity[f"{sensitivity:g}"] = score(scene, detected, measured)
    floor = threshold(DEFAULT_SENSITIVITY)
    detected = {second for second, level in run.levels.items() if level >= floor}
    live = [(moment, level >= floor) for moment, level in run.live]
    return {
        **by_sensitivity[f"{DEFAULT_SENSITIVITY:g}"],
        "latency_live_s": latencies(scene, live),
        "false_positives_after_steps": near_events(scene, detected),
        "unmeasured_seconds": len(run.levels) - len(measured),
        "cpu_s_per_camera_hour": round(sum(run.cpu.values()) / hours, 3),
        "cpu_s_per_camera_hour_by_part": {k: round(v / hours, 3) for k, v in run.cpu.items()},
        "peak_python_kb": round(run.peak / 1024, 1),
        "fragments": run.fragments,
        "by_sensitivity": by_sensitivity,
    }


def decoder_report(scene: Scene, run: DecoderRun, hours: float) -> dict[str, object]:
    """Score the decoder's motion seconds; its cost per camera-hour."""
    decoded = {math.floor(EPOCH + k / DETECT_FPS) for k in range(run.frames)}
    detected = {math.floor(EPOCH + moment) for moment in run.motion_times}
    return {
        **score(scene, detected, decoded),
        "latency_s": latencies(scene, [(EPOCH + t, True) for t in run.motion_times]),
        "false_positives_after_steps": near_events(scene, detected),
        "cpu_s_per_camera_hour": round((run.ffmpeg_cpu + run.python_cpu) / hours, 2),
        "ffmpeg_cpu_s": round(run.ffmpeg_cpu, 2),
        "python_cpu_s": round(run.python_cpu, 2),
        "peak_mb": round((run.ffmpeg_max_rss + run.python_peak) / 2**20, 1),
    }


def evaluate(scene: Scene, folder: Path, scratch: Path, *, decode: bool) -> dict[str, object]:
    """Run both methods on one scene and score them."""
    files = segments(folder)
    hours = DURATION / HOUR
    meter = replay(files, scratch)
    result: dict[str, object] = {
        "scene": scene.name,
        "media_seconds": DURATION,
        "gop_seconds": scene.gop_seconds,
        "meter": meter_report(scene, meter, hours),
    }
    if decode:
        decoder = decode_motion([path for path, _ in files])
        result["decoder"] = decoder_report(scene, decoder, hours)
        result["cpu_ratio_meter_over_decoder"] = round(
            sum(meter.cpu.values()) / (decoder.ffmpeg_cpu + decoder.python_cpu), 5
        )
    return result


def storage_load(root: Path, days: int = 30, cameras: int = 8) -> None:
    """Write ``days`` days of ``cameras`` cameras; time loading them all, and the spans."""
    noise = random.Random(26)  # noqa: S311 - seeded test data, not a secret
    first = int(EPOCH) // DAY * DAY - days * DAY
    for camera in range(cameras):
        store = ActivityStore(root / f"camera{camera}")
        for day in range(days):
            # Mostly idle, a few hundred active stretches a day, like a busy front door.
            levels = bytearray(noise.choices(range(1, 20), k=DAY))
            for _ in range(300):
                at = noise.randrange(DAY - 60)
                levels[at : at + noise.randrange(3, 60)] = b"\x50" * 60
            store.write_run(first + day * DAY, bytes(levels[:DAY]))
    loads, spans = [], []
    floor = threshold(DEFAULT_SENSITIVITY)
    for _ in range(5):
        began = time.perf_counter()
        loaded = [
            ActivityStore(root / f"camera{camera}").load(first, first + days * DAY)
            for camera in range(cameras)
        ]
        loads.append(time.perf_counter() - began)
        began = time.perf_counter()
        found = sum(len(levels.spans(floor, join=5)) for levels in loaded)
        spans.append(time.perf_counter() - began)
    size = sum(len(levels.levels) for levels in loaded)
    emit(
        "activity_load_30d_8cams",
        round(statistics.median(loads) * 1000, 1),
        "ms",
        "-",
        None,
        bytes=size,
        runs=len(loads),
        note="median of 5 loads, page cache warm",
    )
    emit(
        "activity_spans_30d_8cams",
        round(statistics.median(spans) * 1000, 1),
        "ms",
        "-",
        None,
        spans=found,
    )


def main() -> None:
    """Render the scenes (once), evaluate each, print the metrics."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "heldar-activity"
    )
    parser.add_argument("--scenes", nargs="*", help="scene names (default: all)")
    parser.add_argument(
        "--no-decoder", action="store_true", help="skip the decoder (while tuning the meter)"
    )
    args = parser.parse_args()
    chosen = [s for s in SCENES if not args.scenes or s.name in args.scenes]
    args.work.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="replay-", dir=args.work))
    # The details go to stderr (bench/run.py's log); stdout is the metric rows alone.
    print(json.dumps(conditions("started")), file=sys.stderr, flush=True)
    results = []
    try:
        for scene in chosen:
            folder = render(scene, args.work)
            result = evaluate(scene, folder, scratch, decode=not args.no_decoder)
            results.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
        storage_load(scratch / "storage")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(conditions("finished")), file=sys.stderr, flush=True)
    summarise(results)


def conditions(moment: str) -> dict[str, object]:
    """When and on what the run was measured: the machine is shared, so its load too."""
    version = subprocess.run(
        ["ffmpeg", "-hide_banner", "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    return {
        "run": moment,
        "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "cpus": os.cpu_count(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "ffmpeg": version,
    }


def summarise(results: list[dict[str, object]]) -> None:
    """Emit the headline metrics the issue sets goals for."""
    by_name = {str(r["scene"]): r for r in results}
    if "clean" in by_name:
        meter = by_name["clean"]["meter"]
        assert isinstance(meter, dict)
        emit("activity_recall_clean", meter["recall"], "ratio", ">= 0.95", meter["recall"] >= 0.95)
        emit(
            "activity_precision_clean",
            meter["precision"],
            "ratio",
            ">= 0.9",
            meter["precision"] >= 0.9,
        )
    for result in results:
        scene_row(result)
    ratios = [
        float(str(r["cpu_ratio_meter_over_decoder"]))
        for r in results
        if "cpu_ratio_meter_over_decoder" in r
    ]
    if ratios:
        worst = max(ratios)
        emit(
            "activity_cpu_over_decoder",
            worst,
            "ratio",
            f"<= {CPU_RATIO_TARGET:g}",
            worst <= CPU_RATIO_TARGET,
            median=statistics.median(ratios),
        )


def scene_row(result: dict[str, object]) -> None:
    """One row per scene: the meter's recall, with the rest of its figures and the decoder's."""
    meter, decoder = result["meter"], result.get("decoder") or {}
    assert isinstance(meter, dict)
    assert isinstance(decoder, dict)
    latencies = [value for value in meter.get("latency_live_s", []) if value is not None]
    emit(
        f"activity_{result['scene']}_recall",
        meter["recall"],
        "ratio",
        "- (what it sees; the goals are the clean scene's)",
        None,
        precision=meter["precision"],
        false_positive_seconds=meter["false_positive_seconds"],
        latency_median_s=statistics.median(latencies) if latencies else None,
        latency_max_s=max(latencies) if latencies else None,
        windows_missed=len(meter.get("latency_live_s", [])) - len(latencies),
        meter_cpu_s_per_camera_hour=meter.get("cpu_s_per_camera_hour"),
        meter_peak_python_kb=meter.get("peak_python_kb"),
        decoder_peak_mb=decoder.get("peak_mb"),
        decoder_recall=decoder.get("recall"),
        decoder_precision=decoder.get("precision"),
        decoder_cpu_s_per_camera_hour=decoder.get("cpu_s_per_camera_hour"),
        cpu_ratio_meter_over_decoder=result.get("cpu_ratio_meter_over_decoder"),
    )


if __name__ == "__main__":
    main()
