"""The training step's matmuls one at a time: TensorFlow against PyTorch.

    python tools/bench_matmul_shapes.py [--tokens=896 --hidden=384
        --intermediate=1536 --repeats=10]

For the shapes of one MiniLM training step (batch x length = `--tokens`
rows; the attention projections hidden x hidden, the feed-forward
hidden x intermediate and back), the forward product and the two
backward ones (dx = dy·Wᵀ, dW = xᵀ·dy), each timed alone: TF as
`--repeats` products in one `tf.function` (no per-call dispatch; each
input offset by an add so TF cannot merge them, and that add is in TF's
time), PyTorch (if installed) as eager calls, both fp32 on the process's
default threads. Best of 3, GFLOP/s. Compare with `tools/bench.py --profile`'s
`tfft_matmul_gflops_in_step`, the same matmuls' rate inside the step.
A benchmark, not a test.
"""

import time

from absl import app
from absl import flags

_TOKENS = flags.DEFINE_integer("tokens", 896, "Rows: batch x length.")
_HIDDEN = flags.DEFINE_integer("hidden", 384, "Hidden size.")
_INTERMEDIATE = flags.DEFINE_integer("intermediate", 1536,
                                     "Feed-forward size.")
_REPEATS = flags.DEFINE_integer("repeats", 10, "Products per timing.")


def shapes():
    n, h, f = _TOKENS.value, _HIDDEN.value, _INTERMEDIATE.value
    return [("projection", n, h, h), ("FFN up", n, h, f),
            ("FFN down", n, f, h)]


def best_seconds(fn, calls=1):
    fn()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - started) / calls)
    return best


def tf_rates(m, k, n, repeats):
    import tensorflow as tf

    x, w = tf.random.normal((m, k)), tf.random.normal((k, n))
    dy = tf.random.normal((m, n))
    products = {"forward": lambda i: tf.matmul(x + i, w),
                "dx": lambda i: tf.matmul(dy + i, w, transpose_b=True),
                "dW": lambda i: tf.matmul(x + i, dy, transpose_a=True)}
    out = {}
    for name, product in products.items():
        # A scalar of each product, so none is pruned.
        fn = tf.function(lambda p=product: tf.add_n(
            [p(float(i))[0, 0] for i in range(repeats)]))
        out[name] = best_seconds(lambda f=fn: f().numpy(), repeats)
    return out


def torch_rates(m, k, n, repeats):
    import torch

    x, w, dy = torch.randn(m, k), torch.randn(k, n), torch.randn(m, n)
    products = {"forward": lambda: x @ w, "dx": lambda: dy @ w.t(),
                "dW": lambda: x.t() @ dy}

    def loop(product):
        for _ in range(repeats):
            product()

    return {name: best_seconds(lambda p=product: loop(p), repeats)
            for name, product in products.items()}


def main(argv):
    del argv
    try:
        import torch  # noqa: F401
        frameworks = {"TF": tf_rates, "PyTorch": torch_rates}
    except ImportError:
        frameworks = {"TF": tf_rates}
    print("| matmul | shape (m×k×n) | product | "
          + " | ".join(f"{f} GFLOP/s" for f in frameworks) + " |")
    print("|---|---|---|" + "---|" * len(frameworks))
    for label, m, k, n in shapes():
        rates = {f: fn(m, k, n, _REPEATS.value)
                 for f, fn in frameworks.items()}
        flop = 2 * m * k * n
        for product in ("forward", "dx", "dW"):
            cells = " | ".join(f"{flop / rates[f][product] / 1e9:.1f}"
                               for f in frameworks)
            print(f"| {label} | {m}×{k}×{n} | {product} | {cells} |")


if __name__ == "__main__":
    app.run(main)
