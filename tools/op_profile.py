"""Where a compiled step's op time goes, by kind of op.

Runs a step function under TensorFlow's profiler and sums the duration of
every TF op in the trace (`scope/op:Type` events of the xplane) into kinds
a transformer step is made of: dense matmuls, attention's batched
matmuls, GELU, LayerNorm, softmax, dropout, transposes, embeddings, the
optimizer, other. Backward ops keep their forward scope under
`gradient_tape/`, so each kind counts both directions.

The durations are summed over TF's threads: ops that run side by side
both count, so the kinds add up to more than the step's wall time when
the inter-op pool runs ops concurrently. Read them as shares.
A benchmark helper, not a test.
"""

import collections
import glob
import os
import re
import tempfile

# First match wins: the optimizer's scope before the kinds of op it uses.
KINDS = (
    ("optimizer (AdamW, clipping, weight decay)",
     lambda name, kind: re.search(r"adam|optimizer|clip|global_norm", name)),
    ("dense matmuls (projections, FFN, head)",
     lambda name, kind: _base_type(kind) in ("MatMul", "Einsum")),
    ("attention matmuls (QK^T, AV)",
     lambda name, kind: _base_type(kind).startswith("BatchMatMul")),
    ("bias adds (dense layers)",
     lambda name, kind: _base_type(kind).startswith("BiasAdd")),
    ("GELU", lambda name, kind: "gelu" in name),
    ("LayerNorm", lambda name, kind: re.search(r"layer_?norm", name)),
    ("softmax and mask", lambda name, kind: "softmax" in name),
    ("dropout", lambda name, kind: "dropout" in name),
    ("transposes", lambda name, kind: _base_type(kind) == "Transpose"),
    ("embeddings", lambda name, kind: "embedding" in name),
    ("other", lambda name, kind: True),
)
_OP_EVENT = re.compile(r"([^:\s]+):([A-Za-z_]\w*)")


def _base_type(op_type: str) -> str:
    """The op type under oneDNN's and the remapper's rewrites, which
    depend on the CPU: `_MklEinsum`, `_MklNativeFusedMatMul`,
    `_MklBatchMatMulV2` are Einsum, MatMul, BatchMatMulV2."""
    return re.sub(r"^(_Mkl)?(Native)?(_?Fused)?", "", op_type)


def kind_of(op_name: str, op_type: str) -> str:
    name = op_name.lower()
    return next(kind for kind, matches in KINDS if matches(name, op_type))


def op_events(logdir: str) -> list:
    """[(op name, op type, seconds)] of every TF op event in the trace in
    `logdir` (the newest `*.xplane.pb` under it)."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    paths = sorted(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"),
                             recursive=True), key=os.path.getmtime)
    if not paths:
        raise RuntimeError(f"the profiler wrote no trace under {logdir}")
    space = xplane_pb2.XSpace()
    with open(paths[-1], "rb") as f:
        space.ParseFromString(f.read())
    events = []
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                match = _OP_EVENT.fullmatch(
                    plane.event_metadata[event.metadata_id].name)
                if match:
                    events.append((*match.groups(), event.duration_ps / 1e12))
    return events


def profile(fn, calls: int) -> list:
    """`op_events` of `calls` calls of `fn` (warmed up already: tracing
    would be profiled too) under TensorFlow's profiler."""
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        try:
            for _ in range(calls):
                fn()
        finally:
            tf.profiler.experimental.stop()
        return op_events(logdir)


def per_call(fn, calls: int) -> dict:
    """{kind: op seconds per call} of `calls` calls of `fn`."""
    totals = collections.Counter()
    for name, op_type, seconds in profile(fn, calls):
        totals[kind_of(name, op_type)] += seconds
    return {kind: totals[kind] / calls for kind, _ in KINDS}
