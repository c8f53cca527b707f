import pytest
import tensorflow as tf

from tfft.errors import UserError
from tfft.training.strategy import get_strategy
from tfft.training.strategy import resolve_name


def test_auto_and_default_on_cpu():
    assert get_strategy("auto").num_replicas_in_sync == 1
    assert get_strategy("default") is tf.distribute.get_strategy()


def test_one_device_on_cpu():
    s = get_strategy("one_device")
    assert isinstance(s, tf.distribute.OneDeviceStrategy)
    assert s.extended.worker_devices[0].endswith("CPU:0")


def test_mirrored_uses_logical_cpus():
    s = get_strategy("mirrored")
    assert isinstance(s, tf.distribute.MirroredStrategy)
    assert s.num_replicas_in_sync == 2  # conftest makes 2 logical CPUs


def test_multi_worker_needs_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(UserError, match="TF_CONFIG"):
        get_strategy("multi_worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        get_strategy("multi_worker")


@pytest.mark.parametrize("tpu, gpus, expected", [
    ("", 0, "default"), ("", 1, "one_device"), ("", 4, "mirrored"),
    ("my-tpu", 0, "tpu"), ("grpc://10.0.0.2:8470", 8, "tpu"),
])
def test_auto_resolution(tpu, gpus, expected):
    # Resolution is pure; building a TPUStrategy needs a TPU (not here:
    # connecting to a missing one blocks, so it is not run).
    assert resolve_name("auto", tpu=tpu, num_gpus=gpus) == expected
    assert resolve_name("mirrored", tpu=tpu, num_gpus=gpus) == "mirrored"


def test_unknown_name():
    with pytest.raises(UserError, match="unknown strategy"):
        get_strategy("horovod")
