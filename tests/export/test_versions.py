"""Versioned export directories: numbering, atomicity, pruning."""

import os

import pytest

from tfft.errors import UserError
from tfft.export import versions


def _fake_saved_model(directory):
    os.makedirs(directory)
    with open(os.path.join(directory, versions.SAVED_MODEL_FILE), "w") as f:
        f.write("x")


def test_versions_count_up_and_keep_prunes_the_oldest(tmp_path):
    export_dir = str(tmp_path / "exports")
    paths = [versions.write(export_dir, _fake_saved_model, keep=2)
             for _ in range(4)]
    assert [os.path.basename(p) for p in paths] == ["1", "2", "3", "4"]
    assert versions.versions(export_dir) == [3, 4]
    assert sorted(os.listdir(export_dir)) == ["3", "4"]
    assert versions.resolve(export_dir) == paths[-1]
    assert versions.resolve(paths[0]) is None  # pruned
    assert versions.resolve(paths[-1]) == paths[-1]


def test_a_failed_write_leaves_nothing_and_keeps_old_versions(tmp_path):
    export_dir = str(tmp_path)
    versions.write(export_dir, _fake_saved_model)

    def half_written(directory):
        os.makedirs(directory)
        open(os.path.join(directory, "variables.partial"), "w").close()
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        versions.write(export_dir, half_written)
    assert os.listdir(export_dir) == ["1"]
    assert versions.write(export_dir, _fake_saved_model).endswith("2")


def test_incomplete_numbered_folders_are_skipped_not_reused(tmp_path):
    os.makedirs(tmp_path / "7")  # no saved_model.pb: not a version
    assert versions.versions(str(tmp_path)) == []
    assert versions.write(str(tmp_path), _fake_saved_model).endswith("8")


def test_temp_folders_of_dead_exports_are_removed(tmp_path):
    dead = tmp_path / f"{versions.TMP_PREFIX}999999999-1"
    alive = tmp_path / f"{versions.TMP_PREFIX}{os.getpid()}-99"
    os.makedirs(dead)
    os.makedirs(alive)
    versions.write(str(tmp_path), _fake_saved_model)
    assert not dead.exists() and alive.exists()


def test_bad_export_dirs_are_clear_errors(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(UserError, match="is a file"):
        versions.write(str(a_file), _fake_saved_model)
    _fake_saved_model(str(tmp_path / "sm"))
    with pytest.raises(UserError, match="itself a SavedModel"):
        versions.write(str(tmp_path / "sm"), _fake_saved_model)


def test_sigkill_mid_export_leaves_versions_intact(tmp_path):
    """A hard kill inside the write: no `finally` runs. The half-written
    folder has a non-numeric name (TF Serving ignores it) and the next
    export removes it."""
    import signal
    import subprocess
    import sys

    export_dir = str(tmp_path)
    versions.write(export_dir, _fake_saved_model)
    script = (
        "import os, signal\n"
        "from tfft.export import versions\n"
        "def killed_midway(directory):\n"
        "    os.makedirs(os.path.join(directory, 'variables'))\n"
        "    open(os.path.join(directory, 'saved_model.pb'), 'w').close()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"versions.write({export_dir!r}, killed_midway)\n")
    proc = subprocess.run([sys.executable, "-c", script])
    assert proc.returncode == -signal.SIGKILL
    leftovers = [n for n in os.listdir(export_dir) if n != "1"]
    assert len(leftovers) == 1
    assert leftovers[0].startswith(versions.TMP_PREFIX)
    assert versions.versions(export_dir) == [1]
    assert versions.resolve(export_dir).endswith("1")
    assert versions.write(export_dir, _fake_saved_model).endswith("2")
    assert sorted(os.listdir(export_dir)) == ["1", "2"]
