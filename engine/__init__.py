"""Backprop Explorer's engine: fully connected networks, backpropagation and its trace, in NumPy.

A library on its own: it imports nothing from the web layer.

    >>> from engine import get_preset, step
    >>> s = get_preset("sigmoid-2-2-2").load()
    >>> round(step(s).loss_before, 9)
    0.298371109
"""

from .errors import EngineError
from .gradcheck import GradCheck, gradcheck
from .presets import PRESETS, Figure, Preset, get_preset
from .propagation import Backward, Forward, Step, backward, forward, step, update
from .scenario import Labels, Scenario
from .trace import GRANULARITIES, Trace, TraceStep, trace
from .training import TrainResult, sample_history, train

__all__ = [
    "GRANULARITIES",
    "PRESETS",
    "Backward",
    "EngineError",
    "Figure",
    "Forward",
    "GradCheck",
    "Labels",
    "Preset",
    "Scenario",
    "Step",
    "Trace",
    "TraceStep",
    "TrainResult",
    "backward",
    "forward",
    "get_preset",
    "gradcheck",
    "sample_history",
    "step",
    "trace",
    "train",
    "update",
]
