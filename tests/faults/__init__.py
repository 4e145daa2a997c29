"""Fault injection: real FFmpeg, the real RTSP camera and real Home Assistant, broken on purpose.

Each case breaks one thing the way it breaks in the field (the camera dies, goes silent,
refuses the login or is unreachable; FFmpeg is missing or killed; the disk turns read-only;
Home Assistant stops mid-segment; a user hammers the switch while entries reload) and then
checks the two promises that matter most when things go wrong:

- nothing is lost: every ``.mp4`` left in storage plays in ffprobe, nothing was quarantined,
  and the segments recorded before the fault are still there;
- no process is orphaned: no process mentions the test's directory once the entry is
  unloaded (or Home Assistant stopped), every FFmpeg pid seen is gone, and there never were
  two FFmpeg for one camera.

Every case also runs with a password full of URL metacharacters, and nothing Home Assistant
shows (logs, states, events, repairs, diagnostics) may contain it in any spelling.

The process and leak checks are autouse fixtures (``conftest.py``), so no case can skip them.
"""
