"""Model folders checked before TensorFlow loads (`tfft/assets.py`)."""

import numpy as np
import pytest
from safetensors.numpy import save_file

from tfft import assets
from tfft.errors import UserError


def _truncate(path, keep):
    with open(path, "r+b") as f:
        f.truncate(keep)


def test_whole_and_truncated_safetensors(tmp_path):
    path = str(tmp_path / "model.safetensors")
    save_file({"w": np.ones((64, 64), np.float32)}, path)
    assert assets.weights_problem(path) is None
    size = (tmp_path / "model.safetensors").stat().st_size
    _truncate(path, size - 1)
    assert assets.weights_problem(path) == (
        f"{path} is truncated: its tensors need {size} bytes and the file "
        f"has {size - 1}")
    _truncate(path, 4)
    assert "not a safetensors file" in assets.weights_problem(path)


def test_whole_and_truncated_hdf5(tmp_path):
    import h5py

    path = str(tmp_path / "model.weights.h5")
    with h5py.File(path, "w") as f:
        f["w"] = np.ones((256, 256), np.float32)
    assert assets.weights_problem(path) is None
    _truncate(path, 4096)
    assert "is not a whole HDF5 file" in assets.weights_problem(path)


def test_model_folder_needs_config_and_whole_weights(tmp_path):
    with pytest.raises(UserError, match="has no config.json"):
        assets.check_model_folder(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 3)
    with pytest.raises(UserError, match="not a safetensors file.*; copy the "
                       "model again"):
        assets.check_model_folder(str(tmp_path))
    assets.check_model_folder(str(tmp_path), weights=False)  # init=random
    assert assets.weights_bytes(str(tmp_path)) == 3
