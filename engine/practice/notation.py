"""Each document's own names and signs (DESIGN.md, "Each document's own notation").

A practice question is judged and diagnosed in the signs of the document a preset reproduces:
document 001 writes Err = y − a and W ← W + α·a·Δ, so there the error terms, deltas and their
products carry the opposite sign of ∂E/∂·, and that sign is right too. A scenario keeps its
preset's notation while it keeps the preset's labels (edits of numbers keep them).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..presets import PRESETS
from ..scenario import Labels, Scenario

# the step kinds whose value document 001 writes with the opposite sign (Err = y − a)
SIGNED_KINDS = frozenset(
    {"output_gradient", "delta", "weight_gradient", "bias_gradient", "input_gradient"}
)


@dataclass(frozen=True)
class Notation:
    document: str  # the preset's id, or "" for a scenario of one's own
    learning_rate: str = "η"
    error_is_target_minus_output: bool = False  # document 001's Err = y − a

    def also_right(self, kind: str) -> float | None:
        """A factor that turns the engine's value into another value the document calls right
        (−1 for document 001's signs), or None."""
        if self.error_is_target_minus_output and kind in SIGNED_KINDS:
            return -1.0
        return None


PLAIN = Notation("")
NOTATIONS = {
    "single-neuron": Notation("single-neuron"),
    "batch-xor": Notation("batch-xor", "α", error_is_target_minus_output=True),
    "linear-2-2-1": Notation("linear-2-2-1", "a"),
    "sigmoid-2-2-2": Notation("sigmoid-2-2-2"),
}


def notation_of(s: Scenario, preset: str | None = None) -> Notation:
    """The notation of ``preset`` if given, else of the preset whose labels ``s`` carries
    (its network's shape and names), else the engine's own (∂E/∂·, η)."""
    if preset is not None:
        return NOTATIONS.get(preset, PLAIN)
    for pid, labels in _preset_labels().items():
        if labels == s.labels:
            return NOTATIONS.get(pid, PLAIN)
    return PLAIN


@functools.cache
def _preset_labels() -> dict[str, Labels]:
    return {pid: p.load().labels for pid, p in PRESETS.items()}
