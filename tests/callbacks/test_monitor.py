import math

import pytest

from tfft.callbacks.monitor import Monitor
from tfft.errors import UserError


def test_min_and_max_with_min_delta_and_nan():
    low = Monitor("val_loss", "min", min_delta=0.1)
    assert low.best == math.inf
    assert low.update(1.0) and low.best == 1.0
    assert not low.update(0.95)  # better, but by less than min_delta
    assert not low.update(float("nan"))
    assert low.update(0.8)
    high = Monitor("val_accuracy", "max")
    assert high.update(0.5) and not high.update(0.5) and high.update(0.6)
    restored = Monitor("val_accuracy", "max")
    restored.set_state(high.get_state())
    assert restored.best == 0.6 and not restored.improved(0.6)


def test_bad_mode_and_missing_key_are_clear_errors():
    with pytest.raises(UserError, match="Thing mode 'best'"):
        Monitor("val_loss", "best", owner="Thing")
    with pytest.raises(UserError, match="monitors 'val_f1'.*loss, val_loss"):
        Monitor("val_f1").value({"loss": 1.0, "val_loss": 2.0})
