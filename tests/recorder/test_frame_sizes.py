"""Frame sizes from ``moof`` boxes (``fmp4.read_moofs``, ``frame_sizes``), checked with ffprobe."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
import shutil
import struct
import subprocess

import pytest

from custom_components.heldar.recorder.command import FRAGMENTED_MP4
from custom_components.heldar.recorder.fmp4 import Layout, read_layout, read_moofs
from custom_components.heldar.recorder.frame_sizes import FrameReader, parse_frames
from tests.media import require_media_tools

from .activity_clips import record, scene_filter

LAYOUT = Layout(init_end=0, media_end=0, timescale=1000, video_track=1)


def box(kind: bytes, payload: bytes) -> bytes:
    """Return one MP4 box."""
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, flags: int, payload: bytes) -> bytes:
    """Return one full box (version 0)."""
    return box(kind, struct.pack(">I", flags) + payload)


def ffprobe_frames(path: Path) -> list[tuple[int, bool]]:
    """Return each video packet's size and keyframe flag, as ffprobe reads them."""
    result = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-select_streams", "v:0"),
            *("-show_entries", "packet=size,flags", "-of", "csv=p=0", str(path)),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    rows = [line.split(",") for line in result.stdout.split()]
    return [(int(size), "K" in flags) for size, flags, *_ in rows]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real 6 s segment with a keyframe every second, in Heldar's fragmented MP4."""
    folder = tmp_path_factory.mktemp("clip")
    ((path, _),) = record(folder, scene_filter([(1.0, 4.0)]), 6, gop=25, segment=60)
    return path


def test_sizes_flags_and_times_match_ffprobe(clip: Path) -> None:
    """Every frame's size and keyframe flag is ffprobe's; times advance by one frame."""
    frames = FrameReader(clip).read_new()
    sizes = [size for fragment in frames for size in fragment.sizes]
    keys = [key for fragment in frames for key in fragment.keyframes]
    times = [moment for fragment in frames for moment in fragment.times]
    assert list(zip(sizes, keys, strict=True)) == ffprobe_frames(clip)
    assert sum(keys) == 6  # a keyframe a second
    assert len(frames) >= 6  # fragments of at most a second
    assert times == pytest.approx([n / 25 for n in range(150)], abs=1e-6)
    assert frames[-1].end == pytest.approx(6.0, abs=1e-6)


def test_a_growing_file_gives_each_fragment_once(clip: Path, tmp_path: Path) -> None:
    """Read as FFmpeg writes: a half-written fragment waits, nothing is returned twice."""
    layout = read_layout(clip)
    assert layout is not None
    fragments = [found for found, _ in read_moofs(clip, layout)]
    data = clip.read_bytes()
    growing = tmp_path / clip.name
    growing.write_bytes(data[: layout.init_end])
    reader = FrameReader(growing)
    assert reader.read_new() == []
    seen = []
    for fragment in fragments:
        half = fragment.offset + fragment.size // 2
        with growing.open("ab") as sink:
            sink.write(data[growing.stat().st_size : half])
        assert reader.read_new() == []  # its mdat is not complete
        with growing.open("ab") as sink:
            sink.write(data[half : fragment.offset + fragment.size])
        got = reader.read_new()
        assert len(got) == 1
        assert got[0].start == pytest.approx(fragment.start)
        seen.extend(got)
    with growing.open("ab") as sink:  # the mfra FFmpeg ends a file with
        sink.write(data[growing.stat().st_size :])
    assert reader.read_new() == []
    assert seen == FrameReader(clip).read_new()


def test_tfhd_defaults_and_first_sample_flags() -> None:
    """Fields a trun leaves out come from tfhd; first-sample-flags mark the keyframe."""
    # tfhd: track 1, default duration 40, default size 500, default flags non-sync.
    tfhd = full_box(b"tfhd", 0x38, struct.pack(">IIII", 1, 40, 500, 0x0101_0000))
    tfdt = full_box(b"tfdt", 0, struct.pack(">I", 2000))
    # trun: 3 samples, first-sample-flags (sync), per-sample sizes only.
    trun = full_box(
        b"trun", 0x204, struct.pack(">II", 3, 0x0200_0000) + struct.pack(">3I", 9, 8, 7)
    )
    frames = parse_frames(box(b"traf", tfhd + tfdt + trun), LAYOUT, 2.0)
    assert frames is not None
    assert frames.sizes == (9, 8, 7)
    assert frames.keyframes == (True, False, False)
    assert frames.times == pytest.approx((2.0, 2.04, 2.08))
    assert frames.end == pytest.approx(2.12)
    # No per-sample field at all: every sample takes the defaults.
    bare = full_box(b"trun", 0, struct.pack(">I", 2))
    frames = parse_frames(box(b"traf", tfhd + tfdt + bare), LAYOUT, 0.0)
    assert frames is not None
    assert frames.sizes == (500, 500)
    assert frames.keyframes == (False, False)


def test_two_track_runs_in_one_fragment_are_one_series() -> None:
    """A muxer may split a fragment's samples over several truns: they follow each other."""
    tfhd = full_box(b"tfhd", 0x38, struct.pack(">IIII", 1, 40, 500, 0x0101_0000))
    first = full_box(b"trun", 0x204, struct.pack(">II", 2, 0) + struct.pack(">2I", 900, 30))
    second = full_box(b"trun", 0x200, struct.pack(">I", 2) + struct.pack(">2I", 20, 10))
    frames = parse_frames(box(b"traf", tfhd + first + second), LAYOUT, 1.0)
    assert frames is not None
    assert frames.sizes == (900, 30, 20, 10)
    assert frames.keyframes == (True, False, False, False)
    assert frames.times == pytest.approx((1.0, 1.04, 1.08, 1.12))
    assert frames.end == pytest.approx(1.16)


def test_other_tracks_are_skipped() -> None:
    """Only the video track's samples count (audio shares the moof)."""
    audio = full_box(b"tfhd", 0x08, struct.pack(">II", 2, 1024))
    video = full_box(b"tfhd", 0x08, struct.pack(">II", 1, 40))
    trun = full_box(b"trun", 0x200, struct.pack(">I", 1) + struct.pack(">I", 77))
    moof = box(b"traf", audio + trun) + box(b"traf", video + trun.replace(b"\0\0\0M", b"\0\0\0X"))
    frames = parse_frames(moof, LAYOUT, 0.0)
    assert frames is not None
    assert frames.sizes == (88,)


@pytest.mark.parametrize(
    "moof",
    [
        b"",
        b"\xff" * 64,
        box(b"traf", b""),  # no tfhd
        box(b"traf", full_box(b"tfhd", 0x38, b"\0\0\0\1")),  # defaults cut off
        # a trun claiming a million samples in 8 bytes
        box(
            b"traf",
            full_box(b"tfhd", 0, struct.pack(">I", 1))
            + full_box(b"trun", 0x200, struct.pack(">II", 1_000_000, 5)),
        ),
        # a trun cut in the middle of its header
        box(b"traf", full_box(b"tfhd", 0, struct.pack(">I", 1)) + box(b"trun", b"\0\0")),
    ],
)
def test_damaged_moofs_are_skipped(moof: bytes) -> None:
    """A moof that does not parse yields nothing, never an exception."""
    assert parse_frames(moof, LAYOUT, 0.0) is None


def test_damaged_files_read_as_far_as_they_make_sense(clip: Path, tmp_path: Path) -> None:
    """Garbage after good fragments stops the walk there; a non-MP4 gives nothing."""
    layout = read_layout(clip)
    assert layout is not None
    fragments = [found for found, _ in read_moofs(clip, layout)]
    keep = fragments[2].offset + fragments[2].size
    data = clip.read_bytes()
    broken = tmp_path / "broken.mp4"
    # Three good fragments, then a moof whose size field says 2 GiB, then the rest.
    broken.write_bytes(data[:keep] + struct.pack(">I4s", 2**31, b"moof") + data[keep + 8 :])
    assert len(FrameReader(broken).read_new()) == 3
    # A moof whose payload is garbage (its size kept): the walk stops before it.
    scrambled = tmp_path / "scrambled.mp4"
    first = fragments[0]
    body = bytearray(data)
    body[first.offset + 8 : first.offset + 8 + 40] = b"\xee" * 40
    scrambled.write_bytes(bytes(body))
    assert FrameReader(scrambled).read_new() == []
    text = tmp_path / "notes.mp4"
    text.write_bytes(b"not a video at all" * 100)
    assert FrameReader(text).read_new() == []
    cut = tmp_path / "cut.mp4"
    shutil.copyfile(clip, cut)
    with cut.open("r+b") as handle:
        handle.truncate(layout.init_end - 10)  # inside the moov
    assert FrameReader(cut).read_new() == []


@pytest.mark.parametrize(
    ("video", "audio"),
    [
        (["-c:v", "libx264", "-bf", "2", "-g", "25"], ["-c:a", "aac"]),  # B-frames, AAC
        (["-c:v", "libx265", "-tag:v", "hvc1", "-x265-params", "keyint=25:log-level=0"], []),
    ],
    ids=["h264-bframes-aac", "hevc"],
)
def test_other_camera_shapes_match_ffprobe(
    tmp_path: Path, video: list[str], audio: list[str]
) -> None:
    """H.265, B-frames and an audio track in the same moof: video sizes are still ffprobe's."""
    require_media_tools()
    sound = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000"] if audio else []
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25", *sound),
            *("-t", "3", *video, "-pix_fmt", "yuv420p", *audio),
            *("-f", "segment", "-segment_time", "60", "-segment_format", "mp4"),
            *("-segment_format_options", FRAGMENTED_MP4, str(tmp_path / "%03d.mp4")),
        ],
        check=True,
        timeout=120,
    )
    path = tmp_path / "000.mp4"
    frames = FrameReader(path).read_new()
    sizes = [size for fragment in frames for size in fragment.sizes]
    keys = [key for fragment in frames for key in fragment.keyframes]
    assert list(zip(sizes, keys, strict=True)) == ffprobe_frames(path)
    assert len(sizes) == 75
    assert sum(keys) == 3


def test_boxes_that_claim_more_than_they_hold(tmp_path: Path) -> None:
    """A tfhd or tkhd cut short ends the walk quietly instead of raising."""
    # A moof whose tfhd is 2 bytes long, after a good tfdt.
    tfdt = full_box(b"tfdt", 0, struct.pack(">I", 0))
    moof = box(b"moof", box(b"traf", tfdt + box(b"tfhd", b"\0\0")))
    fragments = tmp_path / "fragments.mp4"
    fragments.write_bytes(moof + box(b"mdat", b"\0" * 16))
    assert read_moofs(fragments, replace(LAYOUT, media_end=1 << 30)) == []
    # A moov whose video track's tkhd is 1 byte long.
    mdia = box(b"mdia", box(b"hdlr", b"\0" * 8 + b"vide") + box(b"mdhd", b"\0" * 24))
    moov = box(b"moov", box(b"trak", mdia + box(b"tkhd", b"\0")))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(box(b"ftyp", b"isom") + moov + moof + box(b"mdat", b"\0" * 16))
    assert FrameReader(broken).read_new() == []
