"""Congestion control behind a small interface (:mod:`.base`): Reno, CUBIC and "none"."""

from .base import (
    CONTROLLERS,
    UNLIMITED,
    CongestionControl,
    LossKind,
    initial_window,
    loss_kind,
    make_controller,
    register_congestion_control,
)
from .cubic import Cubic
from .reno import NoCongestionControl, Reno

register_congestion_control("reno", Reno)
register_congestion_control("cubic", Cubic)
register_congestion_control("none", NoCongestionControl)

__all__ = ["CONTROLLERS", "UNLIMITED", "CongestionControl", "Cubic", "LossKind",
           "NoCongestionControl", "Reno", "initial_window", "loss_kind", "make_controller",
           "register_congestion_control"]
