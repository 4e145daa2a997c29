"""Small real clips for the activity tests, written as Heldar writes footage.

FFmpeg renders a scripted scene (a still, detailed picture; an object that moves only inside
given windows; optionally a brightness step) and writes it with the segment muxer and
Heldar's own fragmented-MP4 options. Files are numbered rather than named by the wall clock,
because they are written faster than real time.
"""

from __future__ import annotations

from pathlib import Path
import subprocess

from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from tests.media import require_media_tools

FPS = 25
WIDTH, HEIGHT = 320, 180


def scene_filter(windows: list[tuple[float, float]], step: float | None = None) -> str:
    """A still picture; a 24x60 object crossing it inside each window; a brightness step."""
    x = "-1000"
    for start, end in reversed(windows):
        speed = (WIDTH + 24) / (end - start)
        x = f"if(between(t,{start},{end}),-24+(t-{start})*{speed:.3f},{x})"
    graph = (
        f"mandelbrot=s={WIDTH}x{HEIGHT}:start_scale=1.2:end_scale=1.2:start_x=-0.75,"
        f"trim=end_frame=1,loop=-1:1:0,setpts=N/{FPS}/TB,noise=alls=12:allf=0[bg];"
        f"testsrc2=s=24x60,trim=end_frame=1,loop=-1:1:0,setpts=N/{FPS}/TB[o];"
        f"[bg][o]overlay=x='{x}':y='100+3*sin(t*20)':eval=frame,format=yuv420p"
    )
    if step is not None:
        graph += f",eq=brightness=-0.12:enable='gte(t,{step})'"
    return graph


def record(
    folder: Path, graph: str, seconds: float, *, gop: int = 2 * FPS, segment: int = 20
) -> list[tuple[Path, float]]:
    """Encode ``graph`` as a camera would and segment it as Heldar does; return (file, start)."""
    require_media_tools()
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "segments.csv"
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", graph, "-t", str(seconds)),
            *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0"),
            *("-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-crf", "23"),
            *("-f", "segment", "-segment_time", str(segment), "-segment_format", "mp4"),
            *("-segment_format_options", FRAGMENTED_MP4, "-reset_timestamps", "1"),
            *("-segment_list", str(listing), "-segment_list_type", "csv"),
            str(folder / "%03d.mp4"),
        ],
        check=True,
        timeout=120,
    )
    rows = [line.split(",") for line in listing.read_text().splitlines()]
    return [(folder / name, float(start)) for name, start, *_ in rows]
