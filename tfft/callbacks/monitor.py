"""A quantity in `fit`'s epoch logs and which way is better."""

import math

from tfft.errors import UserError

MODES = ("min", "max")


class Monitor:
    """Tracks the best value of `logs[key]`. `mode` "min" or "max"; a value
    improves on the best when better by more than `min_delta`. NaN never
    improves. Used by the callbacks that act on improvements."""

    def __init__(self, key="val_loss", mode="min", min_delta=0.0,
                 owner="callback"):
        if mode not in MODES:
            raise UserError(f"{owner} mode {mode!r} must be 'min' or 'max'")
        self.key, self.mode = key, mode
        self.min_delta = abs(min_delta)
        self.owner = owner
        self.best = math.inf if mode == "min" else -math.inf

    def value(self, logs) -> float:
        logs = logs or {}
        if self.key not in logs:
            raise UserError(
                f"the {self.owner} monitors {self.key!r}, which fit's epoch "
                f"logs lack (they have {', '.join(sorted(logs)) or 'none'}); "
                "pass validation_data to fit or monitor one of those"
            )
        return float(logs[self.key])

    def improved(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def update(self, value: float) -> bool:
        """Records `value` as the best if it improves; says whether."""
        if not self.improved(value):
            return False
        self.best = value
        return True

    def get_state(self) -> dict:
        return {"best": self.best}

    def set_state(self, state: dict) -> None:
        self.best = float(state["best"])
