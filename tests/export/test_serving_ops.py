"""The TF Serving op check: what it lists, flags and allows."""

import importlib.util
import os

import pytest
import tensorflow as tf

from tfft.errors import UserError
from tfft.export import serving_ops

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def _tool():
    spec = importlib.util.spec_from_file_location(
        "serving_ops_tool", os.path.join(REPO, "tools", "serving_ops.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_op_list_is_the_installed_tensorflow_and_tensorflow_text():
    """Fails when the pinned versions move: rerun tools/serving_ops.py."""
    assert _tool().current() == serving_ops.supported()


def _save(module, directory):
    tf.saved_model.save(module, str(directory), signatures={
        "serving_default": module.f.get_concrete_function()})
    return str(directory)


class _Plain(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(self, x):
        return {"y": tf.nn.relu(x) * 2.0}


class _PythonCallback(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(self, x):
        return {"y": tf.py_function(lambda v: v * 2, [x], tf.float32)}


def test_lists_the_ops_of_every_function(tmp_path):
    ops = serving_ops.graph_ops(_save(_Plain(), tmp_path / "plain"))
    assert {"Relu", "Mul", "Placeholder"} <= set(ops)
    assert all(not op.startswith("__inference") for op in ops)
    report = serving_ops.check(str(tmp_path / "plain"))
    assert report.unsupported == [] and report.text_ops == []
    serving_ops.require_servable(report)


def test_python_callbacks_are_not_servable(tmp_path):
    report = serving_ops.check(_save(_PythonCallback(), tmp_path / "py"))
    assert report.unsupported == ["EagerPyFunc"]
    assert "NOT in TF Serving 2.21: EagerPyFunc" in report.summary()
    with pytest.raises(UserError, match="EagerPyFunc.*--allow_ops"):
        serving_ops.require_servable(report)
    serving_ops.require_servable(report, allow=["EagerPyFunc"])
