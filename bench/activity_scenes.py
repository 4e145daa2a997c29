"""Scripted test cameras for the activity benchmark: a static scene, motion in logged windows.

Each scene is rendered by FFmpeg's lavfi: a detailed still picture (a desaturated Mandelbrot
with fixed grain, 1280x720, 25 fps), plus a moving object inside the windows of ``WINDOWS``
and nowhere else, optionally with sensor noise, brightness steps (a cloud) or an IR switch
(darker, grey, noisier). It is encoded as a camera encodes (x264, no B-frames, a fixed GOP, no
scene-cut keyframes, no weighted prediction) and written as Heldar writes footage: the segment
muxer with Heldar's own fragmented-MP4 options (``command.FRAGMENTED_MP4``), 60 s segments,
timestamps reset per segment. Files are named by number rather than by wall clock (they are
written faster than real time) and a CSV lists each one's start.

The windows and every step are written to ``scene.json`` beside the segments: the ground truth.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import json
from pathlib import Path
import subprocess

from common import ROOT

from custom_components.heldar.recorder.command import FRAGMENTED_MP4

FPS = 25
WIDTH, HEIGHT = 1280, 720
SEGMENT_SECONDS = 60

# (start, end, kind) in seconds of media time; none in the first 30 s, the meter's warm-up.
WINDOWS: tuple[tuple[float, float, str], ...] = (
    (35.0, 43.0, "cross"),  # walks across in 8 s (170 px/s)
    (70.4, 90.4, "cross_back"),  # walks back slowly: 20 s (68 px/s)
    (120.7, 126.7, "pace"),  # paces to and fro for 6 s
    (160.2, 164.2, "cross"),  # runs across in 4 s
    (200.5, 230.5, "pace"),  # works in one place for 30 s
    (262.3, 270.3, "cross_back"),
)
# Brightness steps (a cloud): darker from the first time to the second, in idle stretches.
STEPS: tuple[tuple[float, float], ...] = ((100.3, 141.7),)
IR_SWITCH = 245.6  # the IR scene turns grey, darker and noisier here
DURATION = 300.0

_SPRITES = {
    # name: (width, height) of the object; a person is a body and two swinging legs
    "person": (90, 220),
    "tiny": (16, 16),
}


@dataclass(frozen=True, slots=True)
class Scene:
    """One scripted camera."""

    name: str
    sprite: str = "person"
    noise: int = 0  # temporal noise strength (FFmpeg ``noise`` alls), 0: none
    steps: bool = False  # brightness steps at STEPS
    ir_switch: bool = False  # the IR switch at IR_SWITCH
    # crf23_cap4m: quality, capped at 4 Mbit/s (a clean scene stays under it, a noisy one
    # reaches it); cbr1500k: a constant rate under what the scene needs; crf23: no cap
    rate: str = "crf23_cap4m"
    gop: int = 2 * FPS
    windows: tuple[tuple[float, float, str], ...] = field(default=WINDOWS)

    @property
    def gop_seconds(self) -> float:
        """The keyframe interval in seconds."""
        return self.gop / FPS


SCENES: tuple[Scene, ...] = (
    Scene("clean"),
    Scene("clean_tiny", sprite="tiny"),
    Scene("clean_gop4s", gop=4 * FPS),
    Scene("clean_cbr1500k", rate="cbr1500k"),
    Scene("brightness_steps", steps=True),
    Scene("ir_switch", ir_switch=True),
    Scene("noise_light", noise=3),
    Scene("noise_medium", noise=5),
    Scene("noise_night", noise=8),
    Scene("noise_night_tiny", sprite="tiny", noise=8),
    Scene("noise_night_uncapped", noise=8, rate="crf23"),
)


def _position(windows: tuple[tuple[float, float, str], ...], width: int) -> str:
    """The sprite's x as an FFmpeg expression of t: on its path inside a window, else off-screen."""
    expression = "-2000"
    for start, end, kind in reversed(windows):
        span = end - start
        match kind:
            case "cross":
                path = f"-{width}+(t-{start})*{(WIDTH + width) / span:.4f}"
            case "cross_back":
                path = f"{WIDTH}-(t-{start})*{(WIDTH + width) / span:.4f}"
            case _:  # pace: to and fro around the middle, 6 s a round
                path = f"{WIDTH // 2 - width // 2}+250*sin((t-{start})*{6.2832 / 6:.4f})"
        expression = f"if(between(t,{start},{end}),{path},{expression})"
    return expression


def _assets(folder: Path) -> tuple[Path, Path]:
    """Render the still background and the object's texture once."""
    background, texture = folder / "background.png", folder / "texture.png"
    if not background.exists():
        mandelbrot = "mandelbrot=s=1280x720:start_scale=1.2:end_scale=1.2:start_x=-0.75:start_y=0.1"
        _ffmpeg(
            *("-f", "lavfi", "-i", mandelbrot, "-frames:v", "1"),
            *("-vf", "hue=s=0.6,noise=alls=12:allf=0,gblur=sigma=0.5", str(background)),
        )
    if not texture.exists():
        _ffmpeg(
            *("-f", "lavfi", "-i", "testsrc2=s=90x220", "-frames:v", "1"),
            *("-vf", "hue=s=0.4,noise=alls=40:allf=0", str(texture)),
        )
    return background, texture


def _graph(scene: Scene) -> str:
    """The filter graph: inputs 0 (background) and 1 (texture), output [v]."""
    width, height = _SPRITES[scene.sprite]
    x = _position(scene.windows, width)
    still = f"loop=-1:1:0,setpts=N/{FPS}/TB"
    parts = [f"[0]{still}[bg]"]
    if scene.sprite == "person":
        # A walking person: a body bobbing at the gait's rhythm, two legs swinging in turn.
        y = "400+4*sin(t*22.6)"
        swing = "14*sin(t*11.3)"
        parts += [
            f"[1]{still},split=3[t0][t1][t2]",
            "[t0]crop=90:140:0:0[body]",
            "[t1]crop=30:80:0:140[leg1]",
            "[t2]crop=30:80:60:140[leg2]",
            f"[bg][body]overlay=x='{x}':y='{y}':eval=frame[a]",
            f"[a][leg1]overlay=x='{x}+10+{swing}':y='{y}+140':eval=frame[b]",
            f"[b][leg2]overlay=x='{x}+50-{swing}':y='{y}+140':eval=frame[c]",
        ]
    else:
        parts += [
            f"[1]{still},crop={width}:{height}:0:0[o]",
            f"[bg][o]overlay=x='{x}':y='300':eval=frame[c]",
        ]
    tail = "[c]format=yuv420p"
    for down, up in STEPS if scene.steps else ():
        tail += f",eq=brightness=-0.12:enable='between(t,{down},{up})'"
    if scene.ir_switch:
        tail += f",eq=brightness=-0.1:saturation=0:enable='gte(t,{IR_SWITCH})'"
        tail += f",noise=alls=6:allf=t:enable='gte(t,{IR_SWITCH})'"
    if scene.noise:
        tail += f",noise=alls={scene.noise}:allf=t"
    return ";".join([*parts, tail + "[v]"])


def _rate(scene: Scene) -> list[str]:
    match scene.rate:
        case "cbr1500k":
            return ["-b:v", "1500k", "-maxrate", "1500k", "-bufsize", "1500k"]
        case "crf23":
            return ["-crf", "23"]
        case _:
            return ["-crf", "23", "-maxrate", "4M", "-bufsize", "8M"]


def render(scene: Scene, root: Path) -> Path:
    """Write ``scene``'s segments into ``root / scene.name`` (kept if already complete)."""
    folder = root / scene.name
    truth = folder / "scene.json"
    record = {**asdict(scene), "steps_at": STEPS, "ir_switch_at": IR_SWITCH, "fps": FPS}
    if truth.exists() and json.loads(truth.read_text()) == json.loads(json.dumps(record)):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    background, texture = _assets(root)
    encoder = ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency"]
    encoder += ["-profile:v", "main", "-bf", "0", "-g", str(scene.gop)]
    encoder += ["-keyint_min", str(scene.gop), "-sc_threshold", "0", "-x264-params", "weightp=0"]
    _ffmpeg(
        *("-i", str(background), "-i", str(texture), "-filter_complex", _graph(scene)),
        *("-map", "[v]", "-t", str(DURATION), *encoder, *_rate(scene)),
        *("-f", "segment", "-segment_time", str(SEGMENT_SECONDS), "-segment_format", "mp4"),
        *("-segment_format_options", FRAGMENTED_MP4, "-reset_timestamps", "1"),
        *("-segment_list", str(folder / "segments.csv"), "-segment_list_type", "csv"),
        str(folder / "%03d.mp4"),
    )
    truth.write_text(json.dumps(record))
    return folder


def segments(folder: Path) -> list[tuple[Path, float]]:
    """Return a rendered scene's files with their start in media seconds."""
    rows = (line.split(",") for line in (folder / "segments.csv").read_text().splitlines())
    return [(folder / name, float(start)) for name, start, *_ in rows]


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, cwd=ROOT)
