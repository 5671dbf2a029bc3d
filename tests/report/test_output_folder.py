"""The output folder every command writes (issue 12): checked first, written atomically."""

from __future__ import annotations

import os
import stat

import pytest

from qdcnet.errors import ParameterError
from qdcnet.report import MARKER, RESULT_FILE, OutputFolder, write_json


def _write(folder: OutputFolder, **files: str) -> None:
    with folder.staging() as stage:
        for name, text in files.items():
            (stage / name).write_text(text)


def _tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_the_default_is_qdcnet_output_per_command_and_a_rerun_replaces_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for round_ in ("first", "second"):
        folder = OutputFolder.prepare(None, "qec seam", force=False)
        _write(folder, **{RESULT_FILE: round_})
    target = tmp_path / "qdcnet-output" / "qec-seam"
    assert (target / RESULT_FILE).read_text() == "second"
    assert sorted(p.name for p in target.iterdir()) == [MARKER, RESULT_FILE]
    # Nothing is left beside it: no staging or moved-aside folders.
    assert sorted(p.name for p in (tmp_path / "qdcnet-output").iterdir()) == ["qec-seam"]


def test_an_explicit_folder_that_exists_needs_force(tmp_path):
    out = tmp_path / "out"
    _write(OutputFolder.prepare(out, "run", force=False), **{RESULT_FILE: "1"})
    with pytest.raises(ParameterError, match="add --force to replace it") as caught:
        OutputFolder.prepare(out, "run", force=False)
    assert caught.value.name == "--out"
    _write(OutputFolder.prepare(out, "run", force=True), **{RESULT_FILE: "2"})
    assert (out / RESULT_FILE).read_text() == "2"


@pytest.mark.parametrize("explicit", [True, False])
def test_a_folder_with_files_qdcnet_did_not_write_is_never_replaced(explicit, tmp_path,
                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" if explicit else None
    folder = OutputFolder.prepare(out, "run", force=True)
    _write(folder, **{RESULT_FILE: "1"})
    (folder.path / "my-notes.txt").write_text("mine")
    before = _tree(tmp_path)
    with pytest.raises(ParameterError, match=r"qdcnet did not write: my-notes\.txt"):
        OutputFolder.prepare(out, "run", force=True)
    # The user's own folder (think --out .) is refused even with --force.
    (tmp_path / "paper.tex").write_text("x")
    with pytest.raises(ParameterError, match="did not write"):
        OutputFolder.prepare(tmp_path, "run", force=True)
    assert _tree(tmp_path) == before | {"paper.tex": b"x"}


def test_a_folder_holding_the_inputs_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    _write(OutputFolder.prepare(out, "run", force=False), **{"scenario.yaml": "x"})
    with pytest.raises(ParameterError, match="replacing it would delete"):
        OutputFolder.prepare(out, "run", force=True, keep=[out / "scenario.yaml"])


def test_an_empty_folder_is_used_without_force(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    _write(OutputFolder.prepare(out, "run", force=False), **{RESULT_FILE: "1"})
    assert (out / RESULT_FILE).read_text() == "1"


def test_missing_parent_folders_are_created_when_writing_not_before(tmp_path):
    out = tmp_path / "a" / "b" / "c"
    folder = OutputFolder.prepare(out, "run", force=False)
    assert not (tmp_path / "a").exists()  # checked, nothing made
    _write(folder, **{RESULT_FILE: "1"})
    assert (out / RESULT_FILE).is_file()


def test_paths_that_cannot_be_a_folder_are_refused(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    for out, expected in ((plain, "it exists and is a file"), (plain / "below", "plain is a file")):
        with pytest.raises(ParameterError, match=expected) as caught:
            OutputFolder.prepare(out, "run", force=True)
        assert caught.value.name == "--out"


def test_files_get_the_users_normal_permissions(tmp_path):
    out = tmp_path / "out"
    with OutputFolder.prepare(out, "run", force=False).staging() as stage:
        write_json(stage / RESULT_FILE, {"kind": "run"})
        (stage / "plots").mkdir()
        (stage / "plots" / "a.png").write_bytes(b"png")
    umask = os.umask(0o022)
    os.umask(umask)
    for path in (out / RESULT_FILE, out / "plots" / "a.png"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    for path in (out, out / "plots"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o777 & ~umask


def test_a_failure_while_writing_keeps_the_old_folder_and_leaves_no_trace(tmp_path):
    out = tmp_path / "out"
    _write(OutputFolder.prepare(out, "run", force=False), **{RESULT_FILE: "old"})
    before = _tree(tmp_path)
    folder = OutputFolder.prepare(out, "run", force=True)

    def write_then_fail(error: BaseException) -> None:
        with folder.staging() as stage:
            (stage / RESULT_FILE).write_text("new")
            raise error

    with pytest.raises(ParameterError, match=r"writing failed: No space left on device"):
        write_then_fail(OSError(28, "No space left on device"))
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # Any other failure (a bug, Ctrl-C) also leaves the old folder as it was.
    with pytest.raises(KeyboardInterrupt):
        write_then_fail(KeyboardInterrupt())
    assert _tree(tmp_path) == before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a folder this user cannot write (root can write anywhere)")
def test_a_place_that_cannot_be_written_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ParameterError, match="not writable"):
            OutputFolder.prepare(locked / "out", "run", force=False)
    finally:
        locked.chmod(stat.S_IRWXU)
