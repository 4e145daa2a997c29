#!/usr/bin/python3
"""A local RTSP test camera: GStreamer's gst-rtsp-server serving a live H.264 test pattern.

Runs under the *system* Python 3 (PyGObject is not built for the project's Python 3.14):

    /usr/bin/python3 scripts/rtsp_camera.py --port 0 [--user U --password P] [--sub-path /sub]

It prints ``READY <port>`` on stdout once it listens, then serves until SIGTERM/SIGINT. Used by
the tests, ``scripts/develop`` and the benchmarks so that every one of them records a real stream.
With ``--sub-path`` it also serves a sub-stream there, as dual-stream cameras do: the same
picture, smaller (``--sub-width``/``--sub-height``) and at a lower bitrate.
"""

from __future__ import annotations

import argparse
import signal
import sys

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
            return (
                f" ! x264enc {tune}speed-preset=ultrafast bitrate={bitrate}"
                f" key-int-max={args.gop} bframes={args.bframes} b-adapt=false"
                f" ! video/x-h264,profile={profile} ! rtph264pay name=pay0 pt=96 config-interval=1"
            )


def pipeline(args: argparse.Namespace, *, sub: bool = False) -> str:
    """Describe the live pipeline: a moving test pattern, encoded, and optional audio."""
    width, height = (args.sub_width, args.sub_height) if sub else (args.width, args.height)
    video = (
        f"( videotestsrc is-live=true pattern={args.pattern}"
        f" ! video/x-raw,format=I420,width={width},height={height},framerate={args.fps}/1"
        f"{encoder(args, args.sub_bitrate if sub else args.bitrate)}"
    )
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


def make_factory(args: argparse.Namespace, *, sub: bool) -> GstRtspServer.RTSPMediaFactory:
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

    mounts = server.get_mount_points()
    mounts.add_factory(args.path, make_factory(args, sub=False))
    if args.sub_path:
        mounts.add_factory(args.sub_path, make_factory(args, sub=True))
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
