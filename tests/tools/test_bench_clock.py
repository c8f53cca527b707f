"""The benchmark's clock: evaluations and epoch gaps never count as
training, the steady rate leaves out warm-up steps."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tools"))

from contenders.workload import Clock  # noqa: E402


class FakeTime:
    def __init__(self, monkeypatch):
        self.now = 0.0
        monkeypatch.setattr("time.perf_counter", lambda: self.now)


def test_figures_leave_out_evaluations_warmup_and_epoch_gaps(monkeypatch):
    t = FakeTime(monkeypatch)
    clock = Clock()
    t.now = 5.0  # setup: loading, tokenizing
    clock.start_training()
    t.now = 9.0  # the first step compiles
    clock.step_end()
    for _ in range(3):  # steady steps of 1 s
        t.now += 1.0
        clock.step_end()

    def evaluation():
        t.now += 30.0
        return 0.81

    clock.evaluate(evaluation)  # 30 s that do not count
    clock.boundary()  # an epoch end with 2 s of work
    t.now += 2.0 + 1.0
    clock.step_end()
    t.now += 1.0
    clock.step_end()
    f = clock.figures(batch_size=32, warmup_steps=1, target=0.8)
    assert f["steps"] == 6
    assert (f["setup_seconds"], f["warmup_seconds"]) == (5.0, 4.0)
    # Steady: steps 2, 3, 4 and 6 (step 5 holds the epoch gap).
    assert f["steady_examples_per_second"] == pytest.approx(32.0)
    assert f["train_seconds"] == pytest.approx(11.0)  # 16 - 5, no eval
    assert f["seconds_to_target"] == pytest.approx(12.0)  # from the start
    assert f["curve"] == [(4, 12.0, 0.81)]


def test_the_benchmarks_own_preparation_is_not_setup(monkeypatch):
    t = FakeTime(monkeypatch)
    clock = Clock()
    t.now = 3.0  # the contender loads its model
    with clock.off():
        t.now += 20.0  # the benchmark prepares its test batches
    t.now += 1.0
    clock.start_training()
    for _ in range(2):
        t.now += 2.0
        clock.step_end()
    f = clock.figures(batch_size=32, warmup_steps=1, target=0.8)
    assert f["setup_seconds"] == 4.0
    assert f["wall_seconds"] == 8.0


def test_evaluations_are_fine_until_the_target_then_coarse(monkeypatch):
    """Every `eval_every` steps until the target is first reached, 5x as
    far apart after; the crossing's resolution is the training time since
    the evaluation before it."""
    t = FakeTime(monkeypatch)
    clock = Clock()
    t.now = 2.0
    clock.start_training()
    accuracies = iter([0.6, 0.75, 0.81, 0.83, 0.84])
    evaluated = []
    for step in range(1, 121):
        t.now += 1.0
        clock.step_end()
        if clock.due(eval_every=10, target=0.8):
            evaluated.append(step)
            clock.evaluate(lambda: next(accuracies))
    assert evaluated == [10, 20, 30, 50, 100]  # multiples of 50 after
    f = clock.figures(batch_size=32, warmup_steps=1, target=0.8)
    assert f["seconds_to_target"] == 32.0  # 2 s setup + 30 steps
    assert f["target_resolution_seconds"] == 10.0
    assert f["end_to_end_seconds"] == 122.0
