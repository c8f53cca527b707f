"""Per-epoch history as CSV and the training-curve PNG."""

import csv
import io


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


def plot_curves(history: dict, main_metric: str, path: str) -> None:
    """Loss and `main_metric` per epoch, train vs validation, to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    epochs = range(1, len(history.get("loss", [])) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, name in zip(axes, ("loss", main_metric)):
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            if key in history:
                ax.plot(epochs, history[key], marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100, format="png")
    plt.close(fig)
