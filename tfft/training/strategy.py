"""`get_strategy(name)`: one pure function, string in, strategy out."""

import json
import os

import tensorflow as tf

from tfft.errors import UserError


def resolve_name(name: str, *, tpu: str, num_gpus: int) -> str:
    """What `auto` means on this machine (pure: no device is touched)."""
    if name != "auto":
        return name
    if tpu:
        return "tpu"
    if num_gpus > 1:
        return "mirrored"
    return "one_device" if num_gpus else "default"


def get_strategy(name: str = "auto", tpu: str = ""):
    """A `tf.distribute.Strategy` by name.

    auto:         TPU if `tpu` is given, Mirrored over all GPUs if >1,
                  OneDevice on the GPU if 1, else the default strategy.
    default:      no distribution (the default strategy).
    one_device:   OneDeviceStrategy on the first GPU, else the CPU.
    mirrored:     MirroredStrategy over all GPUs; with no GPU, over all
                  logical CPU devices (tests use 2).
    multi_worker: MultiWorkerMirroredStrategy from the TF_CONFIG variable.
    tpu:          TPUStrategy from TPUClusterResolver(tpu) ("" = local VM).
    """
    # Physical devices: listing them leaves the runtime uninitialised, which
    # MultiWorkerMirroredStrategy needs (it configures collectives first).
    name = resolve_name(name, tpu=tpu,
                        num_gpus=len(tf.config.list_physical_devices("GPU")))
    if name == "multi_worker":
        return _multi_worker()
    gpus = tf.config.list_logical_devices("GPU")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy(
            "/gpu:0" if gpus else "/cpu:0")
    if name == "mirrored":
        if gpus:
            return tf.distribute.MirroredStrategy([d.name for d in gpus])
        # CPU-only: reduce through one device. The default collective ops
        # cache shapes by instance key, so a second MirroredStrategy in the
        # same process (tests, notebooks) fails with "Shape mismatch in the
        # collective instance".
        return tf.distribute.MirroredStrategy(
            [d.name for d in tf.config.list_logical_devices("CPU")],
            cross_device_ops=tf.distribute.ReductionToOneDevice())
    if name == "tpu":
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
                tpu=tpu or "")
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.OpError) as e:
            raise UserError(
                f"no TPU found for --config.train.tpu={tpu!r} ({e}); "
                "run on a TPU VM or name the TPU"
            ) from e
        return tf.distribute.TPUStrategy(resolver)
    raise UserError(
        f"unknown strategy {name!r}; use auto, default, one_device, "
        "mirrored, multi_worker or tpu"
    )


def _multi_worker():
    """MultiWorkerMirroredStrategy from TF_CONFIG. Must be created before
    any other TensorFlow op runs in the process."""
    if "TF_CONFIG" not in os.environ:
        raise UserError(
            "train.strategy=multi_worker needs the TF_CONFIG "
            "environment variable (cluster and task) on every worker"
        )
    try:
        json.loads(os.environ["TF_CONFIG"])
    except ValueError as e:
        raise UserError(f"TF_CONFIG is not valid JSON: {e}") from e
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as e:
        raise UserError(
            "train.strategy=multi_worker must be set up before TensorFlow "
            f"runs anything in this process ({e}); create the strategy "
            "first (tfft-train does)") from e
