"""Per-epoch history as CSV and the training-curve PNG."""

import csv
import io
import math


def history_csv(history: dict) -> str:
    """`{"loss": [..], "val_loss": [..]}` -> CSV with an `epoch` column."""
    keys = sorted(history)
    epochs = len(next(iter(history.values()), []))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["epoch"] + keys)
    for e in range(epochs):
        writer.writerow([e + 1] + [f"{float(history[k][e]):.6g}"
                                   for k in keys])
    return out.getvalue()


def plot_curves(history: dict, main_metric: str, path: str,
                steps=None) -> None:
    """Loss and `main_metric`, train vs validation, to a PNG at `path`.

    `history` is Keras' per-epoch history. `steps` (a `StepHistory`) adds
    the training series at every step, so a one-epoch run still shows how
    training went; validation is a point at the end of each epoch.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    epochs = list(range(1, len(history.get("loss", [])) + 1))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, name in zip(axes, ("loss", main_metric)):
        # A metric only validation computes (token F1) has no train series.
        per_step = steps.logs.get(name, []) if steps is not None else []
        if any(math.isfinite(v) for v in per_step):
            ax.plot(steps.epochs, steps.logs[name], linewidth=1,
                    label="train (running mean per step)")
        elif name in history:
            ax.plot(epochs, history[name], marker="o", label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o",
                    linestyle="--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(left=0)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100, format="png")
    plt.close(fig)
