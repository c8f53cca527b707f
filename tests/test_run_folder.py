"""The run folder's atomic writes: whole files or none, with the
permissions the user's umask gives (not tempfile's private 0600/0700)."""

import os
import stat

import pytest

from tfft import run_folder


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_published_files_and_folders_follow_the_umask(tmp_path, umask_022):
    run = run_folder.RunFolder(str(tmp_path / "run"))
    run.start()
    run.write_json("metrics.json", {"accuracy": 1.0})
    with run.atomic_dir("model") as tmp:
        with open(os.path.join(tmp, "weights.bin"), "wb") as f:
            f.write(b"w")
    run_folder.write_text(str(tmp_path / "predictions.jsonl"), "{}\n")
    assert mode(run.path("metrics.json")) == 0o644
    assert mode(tmp_path / "predictions.jsonl") == 0o644
    assert mode(run.path("model")) == 0o755
    assert mode(run.path("model", "weights.bin")) == 0o644
    os.umask(0o077)  # a private umask stays private
    run.write_text("history.csv", "epoch\n")
    assert mode(run.path("history.csv")) == 0o600


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "config.json"
    run_folder.write_text(str(target), "old")
    with pytest.raises(RuntimeError):
        with run_folder.atomic_path(str(target)) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["config.json"]


def test_what_an_interrupted_run_leaves(tmp_path):
    run = run_folder.RunFolder(str(tmp_path / "run"))
    run.start()
    assert run.resume_point() == ("no checkpoint was written yet; rerun the "
                                  "same command to start again")
    for number, position in ((1, [0, 4]), (2, [1, 0])):
        folder = tmp_path / "run" / run_folder.CHECKPOINTS / str(number)
        folder.mkdir(parents=True)
        (folder / run_folder.CHECKPOINT_STATE).write_text(
            '{"position": %s}' % position)
    # A third, still being written (no state file), does not count.
    (tmp_path / "run" / run_folder.CHECKPOINTS / "3").mkdir()
    assert run.resume_point() == (
        f"the newest checkpoint is {run.workdir}/checkpoints/2 (0 batches "
        "into epoch 2); rerun the same command to resume from it")


def test_require_complete_says_what_the_folder_is(tmp_path):
    from tfft.errors import UserError

    (tmp_path / "file").write_text("x")
    for name, message in (("nope", "does not exist"), ("file", "is a file"),
                          ("", "no COMPLETED marker")):
        with pytest.raises(UserError, match=message):
            run_folder.RunFolder(str(tmp_path / name)).require_complete()
