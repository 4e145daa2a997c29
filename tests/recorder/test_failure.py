"""FFmpeg's words and OS errors mapped to short reasons people understand."""

from __future__ import annotations

import errno

import pytest

from custom_components.heldar.recorder.failure import (
    Problem,
    Reason,
    classify_os_error,
    classify_output,
    describe_os_error,
    without_startup_noise,
)


@pytest.mark.parametrize(
    ("output", "reason", "problem", "error"),
    [
        (
            (
                "Could not write header for output file #0 (incorrect codec parameters ?): "
                "No space left on device"
            ),
            Reason.DISK_FULL,
            Problem.STORAGE,
            True,
        ),
        ("/rec/x.mp4: Permission denied", Reason.PERMISSION_DENIED, Problem.STORAGE, True),
        ("/rec/x.mp4: Read-only file system", Reason.READ_ONLY, Problem.STORAGE, True),
        (
            "[tcp @ 0x5] Connection to tcp://10.0.0.2:554 failed: Connection refused",
            Reason.CONNECTION_REFUSED,
            Problem.STREAM,
            False,
        ),
        (
            "[rtsp @ 0x5] method DESCRIBE failed: 401 Unauthorized",
            Reason.UNAUTHORIZED,
            Problem.AUTH,
            True,
        ),
        ("Server returned 403 Forbidden (access denied)", Reason.FORBIDDEN, Problem.AUTH, True),
        ("method DESCRIBE failed: 404 Not Found", Reason.NOT_FOUND, Problem.STREAM, False),
        ("Server returned 404 Not Found", Reason.NOT_FOUND, Problem.STREAM, False),
        ("rtsp://cam/s: Connection timed out", Reason.TIMEOUT, Problem.STREAM, False),
        ("something nobody foresaw", Reason.EXITED, Problem.STREAM, False),
    ],
)
def test_ffmpeg_output_is_classified(
    output: str,
    reason: Reason,
    problem: Problem,
    error: bool,  # noqa: FBT001
) -> None:
    """The errors people meet get a reason; the state is an error only if it needs them."""
    failure = classify_output(output)
    assert failure.reason is reason
    assert failure.problem is problem
    assert failure.error is error


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, Reason.DISK_FULL),
        (errno.EDQUOT, Reason.DISK_FULL),
        (errno.EACCES, Reason.PERMISSION_DENIED),
        (errno.EROFS, Reason.READ_ONLY),
        (errno.EIO, Reason.STORAGE_ERROR),
        (errno.ESTALE, Reason.STORAGE_ERROR),
    ],
)
def test_os_errors_are_classified(code: int, reason: Reason) -> None:
    """File operations that fail are storage problems, with the errno's reason."""
    err = OSError(code, "boom", "/very/long/path")
    failure = classify_os_error(err)
    assert failure.reason is reason
    assert failure.problem is Problem.STORAGE
    assert "/very/long/path" not in describe_os_error(err)
    assert errno.errorcode[code] in describe_os_error(err)


def test_startup_noise_is_not_a_reason() -> None:
    """The first packet's warnings say nothing about why FFmpeg exited."""
    tail = (
        "[segment @ 0x1] Timestamps are unset in a packet for stream 0.\n"
        "[segment @ 0x1] Non-monotonous DTS in output stream 0:0; previous: 0, current: 0; "
        "changing to 1.\n"
        "av_interleaved_write_frame(): No space left on device"
    )
    assert without_startup_noise(tail) == "av_interleaved_write_frame(): No space left on device"
