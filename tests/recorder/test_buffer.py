"""The pre-roll buffer's place: tmpfs when roomy, the same path at every start, no leftovers."""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

from custom_components.heldar.recorder.buffer import choose_buffer_dir


def test_buffer_goes_to_tmpfs_when_it_has_room(tmp_path: Path) -> None:
    """Use tmpfs when present and roomy, else a hidden folder inside the camera storage."""
    tmpfs = tmp_path / "shm"
    tmpfs.mkdir()
    camera = tmp_path / "cam"
    chosen = choose_buffer_dir(camera, "cam", 10, tmpfs=tmpfs)
    assert chosen.parent == tmpfs / "heldar"
    assert chosen.name.startswith("cam-")
    assert choose_buffer_dir(camera, "cam", 10, tmpfs=tmp_path / "none") == camera / ".buffer"


def test_buffer_path_is_stable_across_restarts(tmp_path: Path) -> None:
    """The same camera folder gets the same buffer in every process (no leak per restart).

    The path used to come from the salted ``hash()``: each start of Home Assistant made a new
    folder in RAM and never cleared the one a crash left behind.
    """
    tmpfs = tmp_path / "shm"
    tmpfs.mkdir()
    camera = tmp_path / "cam"
    script = (
        "import sys; from pathlib import Path;"
        "from custom_components.heldar.recorder.buffer import choose_buffer_dir;"
        "print(choose_buffer_dir(Path(sys.argv[1]), 'cam', 10, tmpfs=Path(sys.argv[2])))"
    )
    chosen = {
        subprocess.run(
            [sys.executable, "-c", script, str(camera), str(tmpfs)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=Path(__file__).resolve().parents[2],
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(chosen) == 1
    assert chosen == {str(choose_buffer_dir(camera, "cam", 10, tmpfs=tmpfs))}
    other = choose_buffer_dir(tmp_path / "other" / "cam", "cam", 10, tmpfs=tmpfs)
    assert str(other) not in chosen


def test_buffers_left_by_older_versions_are_removed(tmp_path: Path) -> None:
    """Salted-hash buffers from earlier runs are cleared; current ones are kept."""
    tmpfs = tmp_path / "shm"
    camera = tmp_path / "cam"
    legacy = tmpfs / "heldar" / "cam-0badf00d"
    (legacy / "sub").mkdir(parents=True)
    (legacy / "20261124_130000.mp4").write_bytes(b"x" * 1000)
    current = choose_buffer_dir(tmp_path / "garage", "garage", 10, tmpfs=tmpfs)
    current.mkdir(parents=True)
    chosen = choose_buffer_dir(camera, "cam", 10, tmpfs=tmpfs)
    assert not legacy.exists()
    assert current.is_dir()
    assert chosen.parent == tmpfs / "heldar"
