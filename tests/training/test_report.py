import math

from tfft.callbacks.step_history import StepHistory
from tfft.training import report


def test_a_metric_only_validation_has_gets_no_empty_train_series(
        tmp_path, monkeypatch):
    """Token F1 exists only as val_f1: the plot shows validation alone
    (no legend entry for a train series of NaNs)."""
    from matplotlib import axes

    labels = []
    real_plot = axes.Axes.plot

    def plot(self, *args, label=None, **kwargs):
        labels.append((self.get_title(), label))
        return real_plot(self, *args, label=label, **kwargs)

    monkeypatch.setattr(axes.Axes, "plot", plot)
    steps = StepHistory(keys=("loss", "f1"), steps_per_epoch=2)
    steps.epochs = [0.5, 1.0, 1.5, 2.0]
    steps.logs = {"loss": [2.0, 1.0, 0.5, 0.4], "f1": [math.nan] * 4}
    history = {"loss": [1.0, 0.4], "val_loss": [0.9, 0.5],
               "val_f1": [0.7, 0.8]}
    path = tmp_path / "curve.png"
    report.plot_curves(history, "f1", str(path), steps=steps)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Titles are set after plotting: the first two lines are loss's.
    assert [label for _, label in labels] == [
        "train (running mean per step)", "validation", "validation"]
    assert "epoch,loss,val_f1,val_loss" in report.history_csv(history)
