"""Output locations checked before any work (`tfft/paths.py`)."""

import os

import pytest

from tfft import paths
from tfft.errors import UserError


def test_a_folder_to_write_may_not_exist_yet(tmp_path):
    target = tmp_path / "a" / "b"
    assert paths.check_folder(str(target), "--workdir") == str(target)
    assert not (tmp_path / "a").exists()  # checking creates nothing
    assert os.listdir(tmp_path) == []


def test_files_in_the_way(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match=f"--workdir {tmp_path}/file is a "
                       "file; pass a folder path"):
        paths.check_folder(str(tmp_path / "file"), "--workdir")
    with pytest.raises(UserError, match=f"--workdir {tmp_path}/file/run is "
                       f"under {tmp_path}/file, which is a file"):
        paths.check_folder(str(tmp_path / "file" / "run"), "--workdir")
    with pytest.raises(UserError, match=f"--output {tmp_path} is a folder"):
        paths.check_file(str(tmp_path), "--output")
    with pytest.raises(UserError, match="--output .*file/out.jsonl is under "
                       f"{tmp_path}/file, which is a file"):
        paths.check_file(str(tmp_path / "file" / "out.jsonl"), "--output")
    assert paths.check_file(str(tmp_path / "out.jsonl"), "--output")


def test_free_space_is_compared_with_what_will_be_written(tmp_path):
    free = paths.free_bytes(str(tmp_path / "new"))
    assert free > 0
    paths.check_space(str(tmp_path), "--export_dir", 1, "the SavedModel")
    with pytest.raises(UserError) as e:
        paths.check_space(str(tmp_path), "--export_dir", free * 4,
                          "the SavedModel")
    assert "its file system has" in str(e.value)
    assert "the SavedModel needs about" in str(e.value)
    assert str(e.value).endswith("free space or pass another --export_dir")


def test_sizes():
    assert paths.megabytes(3 << 20) == "3 MB"
    assert paths.megabytes(2048) == "2 KB"
