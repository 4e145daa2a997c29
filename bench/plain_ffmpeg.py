"""The control load: start the given FFmpeg command lines outside Home Assistant.

``python plain_ffmpeg.py ARGV.json`` starts every argument vector of the JSON list (the exact
ones Heldar ran, output folders moved), prints one line of pids, and keeps them running until
SIGTERM; then it stops them as Heldar does (SIGINT, so each segment is finished) and exits.
Their progress reports go to /dev/null: nothing reads them, which is the point of a control.
Each gets its own session, as Heldar's do (``recorder/process.py``): on a kernel with
autogroup scheduling a session is a scheduling group, so the control's FFmpeg must be placed
as Heldar places them, or the two conditions differ in more than who supervises.
"""

from __future__ import annotations

import json
from pathlib import Path
import signal
import subprocess
import sys
import threading


def main() -> None:
    """Run the command lines until told to stop."""
    argvs: list[list[str]] = json.loads(Path(sys.argv[1]).read_text())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    processes = [
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for argv in argvs
    ]
    print(" ".join(str(process.pid) for process in processes), flush=True)
    stop.wait()
    for process in processes:
        process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()
