"""The bounded stderr tail and its summary."""

from __future__ import annotations

from custom_components.heldar.recorder.stderr_tail import StderrTail, summarize


def test_tail_keeps_the_last_bytes() -> None:
    """However much FFmpeg writes, only the last 8192 bytes are kept."""
    tail = StderrTail()
    for index in range(5000):
        tail.feed(f"line {index}\n".encode())
    assert len(tail) == 8192
    assert tail.text().endswith("line 4999")
    assert "line 0\n" not in tail.text()


def test_tail_survives_bad_utf8() -> None:
    """Undecodable bytes do not break the text."""
    tail = StderrTail(cap=16)
    tail.feed(b"\xff\xfeok\n")
    assert tail.text().endswith("ok")


def test_summarize_cuts_at_a_line_start() -> None:
    """The summary is at most 800 characters and starts at a whole line."""
    text = "\n".join(f"warning number {i}" for i in range(200)) + "\nthe real reason"
    summary = summarize(text)
    assert len(summary) <= 800
    assert summary.endswith("the real reason")
    assert summary.startswith("warning number")
    assert summarize("  short  ") == "short"
