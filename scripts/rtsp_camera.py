#!/usr/bin/python3
"""A local RTSP test camera: GStreamer's gst-rtsp-server serving a live H.264 test pattern.

Runs under the *system* Python 3 (PyGObject is not built for the project's Python 3.14):

    /usr/bin/python3 scripts/rtsp_camera.py --port 0 [--user U --password P] [--sub-path /sub]

It prints ``READY <port>`` on stdout once it listens, then serves until SIGTERM/SIGINT. Used by
the tests, ``scripts/develop`` and the benchmarks so that every one of them records a real stream.
With ``--sub-path`` it also serves a sub-stream there, as dual-stream cameras do: the same
picture, smaller (``--sub-width``/``--sub-height``) and at a lower bitrate.

With ``--marks FILE`` the picture carries its own time: about once a second (``--mark-period``)
the background of the pattern turns to another of 16 grey levels, in a seeded random order, and
the camera appends one line to FILE for each change, ``<mount> <level> <sent>``: the wall-clock
second at which the first encoded frame of the new level left the encoder for the network. A
recording's lag behind the clock is then the time its footage shows that level minus ``sent``
(see tests/footage_clock.py); a camera that itself falls behind on a loaded machine logs that
it sent the change late, and the recorder is not blamed for it.

With ``--motion 20:28,45:52`` the picture is a still test card under faint sensor noise
(``--noise``), and a textured object steps into it and walks across only inside those windows
(seconds after the mount's media starts, when the first client connects); with
``--motion-log FILE`` the camera appends ``<mount> start|end <wall>`` when it puts the object
in and takes it out, for the activity tests (recorder/activity.py). Use ``--quality 23``
with it: constant quality, as a camera set to VBR; at a CBR cap frame sizes show no motion.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

_SINE = "audiotestsrc is-live=true wave=sine freq=440 volume=0.2"
AUDIO = {
    "none": "",
    "aac": (
        f" {_SINE} ! audio/x-raw,rate=16000,channels=1 ! voaacenc bitrate=32000"
        " ! rtpmp4apay name=pay1 pt=97"
    ),
    "alaw": f" {_SINE} ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8",
    "mulaw": (
        f" {_SINE} ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0"
    ),
    "opus": (
        f" {_SINE} ! audio/x-raw,rate=48000,channels=1 ! opusenc bitrate=32000"
        " ! rtpopuspay name=pay1 pt=98"
    ),
}


def encoder(args: argparse.Namespace, bitrate: int) -> str:
    """The video encoder and payloader for ``--codec``, with a fixed GOP."""
    match args.codec:
        case "h265":
            return (
                f" ! x265enc tune=zerolatency speed-preset=ultrafast bitrate={bitrate}"
                f" key-int-max={args.gop}"
                " ! video/x-h265,profile=main ! rtph265pay name=pay0 pt=96 config-interval=1"
            )
        case "mjpeg":
            return " ! jpegenc quality=60 ! rtpjpegpay name=pay0 pt=26"
        case _:
            # B-frames need the main profile (and x264 without zero-latency tuning).
            tune = "tune=zerolatency " if not args.bframes else ""
            profile = "main" if args.bframes else "baseline"
            # --quality: constant quality (VBR), as cameras set to VBR send; else CBR.
            rate = f"pass=qual quantizer={args.quality}" if args.quality else f"bitrate={bitrate}"
            return (
                f" ! x264enc {tune}speed-preset=ultrafast {rate}"
                f" key-int-max={args.gop} bframes={args.bframes} b-adapt=false"
                f" ! video/x-h264,profile={profile} ! rtph264pay name=pay0 pt=96 config-interval=1"
            )


def pipeline(args: argparse.Namespace, *, sub: bool = False) -> str:
    """Describe the live pipeline: a moving test pattern, encoded, and optional audio."""
    width, height = (args.sub_width, args.sub_height) if sub else (args.width, args.height)
    caps = f"video/x-raw,format=I420,width={width},height={height},framerate={args.fps}/1"
    if args.motion:
        # A still card, and the object parked outside the picture until a window opens.
        size = f"width={max(width // 8, 8)},height={max(height // 2, 8)},framerate={args.fps}/1"
        source = (
            f"videotestsrc name=src is-live=true pattern=smpte75 ! {caps} ! mix.sink_0"
            f" videotestsrc is-live=true pattern=checkers-8 ! video/x-raw,format=I420,{size}"
            " ! mix.sink_1"
            # Faint temporal noise over it all, as a camera's sensor has: without it, a still
            # picture's P-frames are a few bytes and the object looks like a new picture.
            f" videotestsrc is-live=true pattern=snow ! {caps} ! mix.sink_2"
            f" compositor name=mix background=black sink_1::xpos=-10000 sink_2::alpha={args.noise}"
            f" ! {caps}"
        )
    else:
        source = f"videotestsrc name=src is-live=true pattern={args.pattern} ! {caps}"
    video = f"( {source}{encoder(args, args.sub_bitrate if sub else args.bitrate)}"
    return video + AUDIO[args.audio] + " )"


def _not_seekable(_pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
    """Answer "not seekable", so that a joining client does not seek the shared media.

    gst-rtsp-server seeks seekable shared media back to its start (flushing, to a key unit)
    for every client whose PLAY names a range, as FFmpeg's does: that hands the newcomer a
    keyframe and makes every other client's timestamps jump. Media that cannot seek is joined
    where it is, and the newcomer waits for the next keyframe of the GOP, as with many cameras.
    """
    query = info.get_query()
    if query is not None and query.type == Gst.QueryType.SEEKING:
        return Gst.PadProbeReturn.HANDLED  # unanswered: the query's default, not seekable
    return Gst.PadProbeReturn.OK


def _join_where_it_is(
    _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia
) -> None:
    pay = media.get_element().get_by_name("pay0")
    pay.get_static_pad("src").add_probe(Gst.PadProbeType.QUERY_UPSTREAM, _not_seekable)


MARK_LEVELS = 16


def mark_grey(level: int) -> int:
    """The ARGB colour of a mark level: grey 16k + 8, so decoded levels are 13.7 luma apart."""
    value = 16 * level + 8
    return 0xFF000000 | value << 16 | value << 8 | value


class Marks:
    """Turn one mount's background to a new grey level now and then; log when it was sent.

    The colour is changed from the raw source's own pad (so it applies to the very next frame,
    whose number is noted), and that frame is logged when it leaves the encoder. Frames are
    matched by count: the encoders used with marks neither drop nor reorder frames, and x264
    gives its output timestamps of its own.
    """

    def __init__(self, log: MarkLog, mount: str, period: float, seed: int) -> None:
        """Mark ``mount``'s picture every ``period`` seconds, levels drawn from ``seed``."""
        self._log = log
        self._mount = mount
        self._period = period
        self._random = random.Random(seed)  # noqa: S311 - a test pattern, not a secret
        self._level = 0
        self._next = 0.0
        self._pending: int | None = None  # the level applied to the next raw frame
        self._sent: dict[int, int] = {}  # raw frame number -> the level it first shows
        self._raw_count = 0
        self._encoded_count = 0

    def attach(self, media: GstRtspServer.RTSPMedia) -> None:
        """Watch this media's raw frames and encoded frames."""
        element = media.get_element()
        source = element.get_by_name("src")
        source.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._raw, source)
        pay = element.get_by_name("pay0")
        pay.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, self._encoded)

    def _raw(
        self, _pad: Gst.Pad, _info: Gst.PadProbeInfo, source: Gst.Element
    ) -> Gst.PadProbeReturn:
        self._raw_count += 1
        if self._pending is not None:  # this frame is the first one painted in the new level
            self._sent[self._raw_count] = self._pending
            self._pending = None
        now = time.time()
        if now >= self._next:
            self._next = now + self._period
            level = self._random.randrange(MARK_LEVELS - 1)
            self._level = level if level < self._level else level + 1  # never the same twice
            source.set_property("background-color", mark_grey(self._level))
            self._pending = self._level
        return Gst.PadProbeReturn.OK

    def _encoded(self, _pad: Gst.Pad, _info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
        self._encoded_count += 1
        if self._sent and (level := self._sent.pop(self._encoded_count, None)) is not None:
            self._log.write(self._mount, level, time.time())
        return Gst.PadProbeReturn.OK


class Motion:
    """Move the object across one mount's picture inside the scripted windows; log them."""

    def __init__(
        self,
        log: MarkLog | None,
        mount: str,
        windows: list[tuple[float, float]],
        size: tuple[int, int],
    ) -> None:
        """Script ``windows`` (seconds after the media starts) for ``mount``, ``size`` wide."""
        self._log = log
        self._mount = mount
        self._windows = windows
        self.width, self.height = size
        self.object_width = max(self.width // 8, 8)
        self._started = 0.0
        self._inside: tuple[float, float] | None = None
        self._stopped = False

    def attach(self, media: GstRtspServer.RTSPMedia) -> None:
        """Start the script when the media is made (its first client)."""
        mix = media.get_element().get_by_name("mix")
        pad = mix.get_static_pad("sink_1")
        self._started = time.time()
        media.connect("unprepared", self._stop)
        GLib.timeout_add(20, self._step, pad)

    def _stop(self, _media: GstRtspServer.RTSPMedia) -> None:
        """The media is gone (its last client left): its script ends, unlogged."""
        self._log = None
        self._windows = []
        self._stopped = True

    def _step(self, pad: Gst.Pad) -> bool:
        if self._stopped:
            return False
        elapsed = time.time() - self._started
        window = next((w for w in self._windows if w[0] <= elapsed < w[1]), None)
        if window != self._inside:
            if self._inside is not None:
                self._note("end")
            if window is not None:
                self._note("start")
            self._inside = window
        if window is None:
            pad.set_property("xpos", -10000)
        else:
            start, end = window
            # It steps out from behind something: whole at once, then walking across.
            travel = self.width - self.object_width
            pad.set_property("xpos", int((elapsed - start) / (end - start) * travel))
            pad.set_property("ypos", self.height // 4)
        return True

    def _note(self, what: str) -> None:
        if self._log is not None:
            self._log.write_line(f"{self._mount} {what} {time.time():.6f}")


class MarkLog:
    """The marks of every mount, one line each, flushed as they come."""

    def __init__(self, path: str) -> None:
        """Append to ``path``."""
        self._file = open(path, "a", encoding="utf-8")  # noqa: PTH123, SIM115 - lives as long as the server
        self._lock = threading.Lock()

    def write(self, mount: str, level: int, sent: float) -> None:
        """Log one change of level."""
        with self._lock:
            self._file.write(f"{mount} {level} {sent:.6f}\n")
            self._file.flush()

    def write_line(self, line: str) -> None:
        """Log one line of another kind (the motion windows)."""
        with self._lock:
            self._file.write(f"{line}\n")
            self._file.flush()


def make_factory(
    args: argparse.Namespace, *, sub: bool, marks: MarkLog | None = None
) -> GstRtspServer.RTSPMediaFactory:
    """One mount's media: shared (one encoder however many recorders connect)."""
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(args, sub=sub))
    factory.set_shared(True)
    if args.user:
        permissions = GstRtspServer.RTSPPermissions()
        for permission in (
            GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS,
            GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
        ):
            permissions.add_permission_for_role("camera", permission, True)  # noqa: FBT003
        factory.set_permissions(permissions)
    if args.no_keyframe_on_join:
        factory.connect("media-configure", _join_where_it_is)
    if marks is not None:
        mount = args.sub_path if sub else args.path
        seed = args.mark_seed + (1 if sub else 0)
        factory.connect(
            "media-configure",
            lambda _factory, media: Marks(marks, mount, args.mark_period, seed).attach(media),
        )
    if args.motion:
        windows = [
            (float(start), float(end))
            for start, end in (part.split(":") for part in args.motion.split(","))
        ]
        motion_log = MarkLog(args.motion_log) if args.motion_log else None
        mount = args.sub_path if sub else args.path
        width, height = (args.sub_width, args.sub_height) if sub else (args.width, args.height)

        def script(
            _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia
        ) -> None:
            Motion(motion_log, mount, windows, (width, height)).attach(media)

        factory.connect("media-configure", script)
    return factory


def main() -> int:
    """Serve until told to stop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--path", default="/stream")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--gop", type=int, default=25, help="keyframe interval in frames")
    parser.add_argument("--bitrate", type=int, default=600, help="kbit/s")
    parser.add_argument("--pattern", default="ball")
    parser.add_argument("--sub-path", default="", help="also serve a sub-stream here (/sub)")
    parser.add_argument("--sub-width", type=int, default=320)
    parser.add_argument("--sub-height", type=int, default=180)
    parser.add_argument("--sub-bitrate", type=int, default=150, help="kbit/s")
    parser.add_argument("--audio", choices=sorted(AUDIO), default="none")
    parser.add_argument("--codec", choices=["h264", "h265", "mjpeg"], default="h264")
    parser.add_argument("--bframes", type=int, default=0, help="H.264 B-frames between P-frames")
    parser.add_argument("--marks", default="", help="log each change of the picture's mark here")
    parser.add_argument("--mark-period", type=float, default=1.0, help="seconds between marks")
    parser.add_argument("--mark-seed", type=int, default=1)
    parser.add_argument(
        "--motion", default="", help="a still card; an object moves in START:END,..."
    )
    parser.add_argument("--noise", type=float, default=0.04, help="sensor noise with --motion")
    parser.add_argument("--quality", type=int, default=0, help="H.264 VBR quantizer (0: CBR)")
    parser.add_argument("--motion-log", default="", help="log when each motion window starts/ends")
    parser.add_argument(
        "--no-keyframe-on-join",
        action="store_true",
        help="ignore new clients' keyframe requests, as many real cameras do",
    )
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))

    marks = MarkLog(args.marks) if args.marks else None
    mounts = server.get_mount_points()
    mounts.add_factory(args.path, make_factory(args, sub=False, marks=marks))
    if args.sub_path:
        mounts.add_factory(args.sub_path, make_factory(args, sub=True, marks=marks))
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "camera")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
    if server.attach(None) == 0:
        print(f"cannot listen on {args.host}:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
