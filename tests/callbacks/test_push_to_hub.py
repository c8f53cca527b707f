"""PushToHub against the loopback hub: hooks driven directly (pushes,
skips while one is in flight, retries, outages) and inside `fit` in both
Keras flavours."""

import os
import socket
import time

import numpy as np
import pytest

from tests.hub_server import Hub
from tfft.callbacks.push_to_hub import PushToHub
from tfft.errors import UserError

TOKEN = "hf_loopback_secret_0123456789"


@pytest.fixture
def online(monkeypatch):
    """The token in the environment, and the hub client online (the test
    session sets HF_HUB_OFFLINE, which the client reads at import)."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return monkeypatch


def at(monkeypatch, url):
    """Points the hub client at `url` (as HF_ENDPOINT does at import)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", url)


def dead_endpoint():
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def writer(content=b"weights"):
    def snapshot(model, directory):
        with open(os.path.join(directory, "weights.bin"), "wb") as f:
            f.write(content)
        with open(os.path.join(directory, "config.json"), "w") as f:
            f.write('{"a": 1}')
    return snapshot


def test_each_epoch_is_pushed_and_unchanged_files_are_not_resent(online):
    with Hub(TOKEN) as hub:
        at(online, hub.url)
        push = PushToHub("tester/run", every="epoch", snapshot=writer())
        push.on_epoch_end(0, {})
        assert push.wait(30) == "done"
        assert hub.files("tester/run") == {"weights.bin": b"weights",
                                           "config.json": b'{"a": 1}'}
        sent = hub.content_bytes
        push.on_epoch_end(1, {})
        assert push.wait(30) == "done"
        assert hub.content_bytes == sent  # the same files: nothing resent
        assert [p["changed"] for p in push.pushed] == [2, 0]
        assert len(hub.commits) == 1
        assert "pushed epoch 2 to tester/run: 0 of 2 files" in \
            push.events[-1][1]


def test_best_pushes_only_improvements(online):
    with Hub(TOKEN) as hub:
        at(online, hub.url)
        push = PushToHub("tester/best", every="best", snapshot=writer(),
                         monitor="val_accuracy", mode="max")
        for epoch, value in enumerate([0.5, 0.4, 0.7]):
            push.on_epoch_end(epoch, {"val_accuracy": value})
            push.wait(30)
        assert [p["what"] for p in push.pushed] == [
            "epoch 1 (val_accuracy=0.5)", "epoch 3 (val_accuracy=0.7)"]
    with pytest.raises(UserError, match="every='never'"):
        PushToHub("x/y", every="never")


def test_a_slow_hub_never_holds_up_training_and_a_busy_push_is_skipped(online):
    with Hub(TOKEN, mode="slow", delay=1.0) as hub:
        at(online, hub.url)
        push = PushToHub("tester/slow", every="epoch", snapshot=writer())
        started = time.perf_counter()
        push.on_epoch_end(0, {})
        push.on_epoch_end(1, {})  # the first is still uploading: skipped
        hook_seconds = time.perf_counter() - started
        # Each request waits 1 s; the hooks only save the snapshot.
        assert hook_seconds < 0.5, hook_seconds
        assert push.skipped == 1 and "epoch 2 skipped" in push.events[0][1]
        assert push.wait(60) == "done"
        assert len(push.pushed) == 1


def test_failures_are_retried_with_backoff_then_reported_in_one_line(online):
    with Hub(TOKEN, mode="500") as hub:
        at(online, hub.url)
        push = PushToHub("tester/down", every="epoch", snapshot=writer(),
                         retries=2, backoff=0.05)
        push.on_epoch_end(0, {})
        assert push.wait(30) == "failed"
    lines = [line for _, line in push.events]
    assert len(lines) == 3 and push.failed == 1
    assert "failed (attempt 1 of 3)" in lines[0] and "retrying in 0.05 s" \
        in lines[0]
    assert "retrying in 0.1 s" in lines[1]
    assert "failed after 3 attempt(s)" in lines[2] and "answered 500" in \
        lines[2]
    assert all("\n" not in line and TOKEN not in line for line in lines)


def test_a_dead_hub_is_reported_and_an_endless_push_is_abandoned(online):
    at(online, dead_endpoint())
    push = PushToHub("tester/dead", every="epoch", snapshot=writer(),
                     retries=0)
    push.on_epoch_end(0, {})
    assert push.wait(30) == "failed"
    assert "cannot reach the hub" in push.events[-1][1]
    with Hub(TOKEN, mode="slow", delay=1.0) as hub:
        at(online, hub.url)
        push = PushToHub("tester/stuck", every="epoch", snapshot=writer())
        push.on_epoch_end(0, {})
        started = time.perf_counter()
        assert push.wait(0.2) == "abandoned"
        assert time.perf_counter() - started < 1.0
        assert "still running after 0.2 s" in push.events[-1][1]
    # The abandoned push still ends on its own (done, or failed once the
    # hub is gone), not left running into later tests.
    push._thread.join(30)
    assert not push.busy() and push.failed + len(push.pushed) == 1


def test_a_snapshot_that_fails_is_reported_not_raised(online):
    def broken(model, directory):
        raise OSError(28, "No space left on device")

    push = PushToHub("tester/full", every="epoch", snapshot=broken)
    push.on_epoch_end(0, {})  # does not raise: training goes on
    assert push.failed == 1 and not push.busy()
    assert "saving the model failed (OSError: [Errno 28] No space left" in \
        push.events[-1][1]


def test_a_wrong_token_is_one_line_without_the_token(online):
    online.setenv("HF_TOKEN", "hf_wrong_token_42")
    with Hub(TOKEN) as hub:
        at(online, hub.url)
        push = PushToHub("tester/auth", every="epoch", snapshot=writer(),
                         retries=0)
        push.on_epoch_end(0, {})
        assert push.wait(30) == "failed"
    line = push.events[-1][1]
    assert "refused the credentials (401" in line
    assert "hf_wrong_token_42" not in line


def _fit(keras, callbacks):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    x = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                        validation_data=(x, y), callbacks=callbacks)
    return history.history


@pytest.mark.parametrize("flavour", ["tf_keras", "keras"])
def test_inside_fit_in_both_keras_flavours(online, flavour):
    import importlib

    keras = importlib.import_module(flavour)
    baseline = _fit(keras, [])
    with Hub(TOKEN) as hub:
        at(online, hub.url)
        push = PushToHub("tester/fit", every="epoch")
        assert _fit(keras, [push]) == baseline
        assert len(push.pushed) >= 1 and push.failed == 0
        files = hub.files("tester/fit")
        assert "model.keras" in files  # the default snapshot, model.save
        loaded = keras.saving.load_model(_saved(files["model.keras"]))
        assert len(loaded.layers) == 1
    # A dead hub: fit ends as it would without the callback.
    at(online, dead_endpoint())
    dead = PushToHub("tester/fit", every="epoch", retries=1, backoff=0.01,
                     final_wait=30)
    assert _fit(keras, [dead]) == baseline
    assert dead.failed >= 1


def _saved(data):
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    with open(path, "wb") as f:
        f.write(data)
    return path
