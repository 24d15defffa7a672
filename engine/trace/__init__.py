"""The trace: the ordered micro-steps of one training iteration, read from the engine's arrays.

Two granularities: ``neuron`` (one scalar per step, as the 2-2-2 document works it) and
``layer`` (one matrix step per layer, as the 2-2-1 document and batches read). Every value, and
every number substituted into a formula, is read from the arrays of ``forward``, ``backward``
and ``update``; nothing here recomputes the network.
"""

from __future__ import annotations

import numpy as np

from ..errors import EngineError
from ..propagation import QUIET, backward, update
from ..scenario import Scenario
from .layer import LayerSteps
from .neuron import NeuronSteps
from .steps import GRANULARITIES, PHASES, SUP, Factor, Trace, TraceStep

__all__ = ["GRANULARITIES", "PHASES", "SUP", "Factor", "Trace", "TraceStep", "trace"]


def trace(s: Scenario, granularity: str = "neuron") -> Trace:
    """The micro-steps of one iteration of ``s`` at the given granularity."""
    if granularity not in GRANULARITIES:
        raise EngineError(f"must be one of {', '.join(GRANULARITIES)}", ("granularity",))
    fwd, bwd = backward(s)
    after = update(s, bwd)
    builder = NeuronSteps if granularity == "neuron" else LayerSteps
    with np.errstate(**QUIET):  # type: ignore[arg-type]  # η·∂E/∂w of a diverging step overflows
        steps = builder(s, fwd, bwd, after).build()
    return Trace(granularity, s, after, fwd, bwd, tuple(steps))
