"""The explorer's page state: everything a page shows, carried in the URL (no server session).

The URL is ``/explore?s=<state>&at=<cursor>``: ``s`` holds the document below, less what the
state's origin already says (``app.explorer.link``), ``at`` the index of the current trace step
(−1 = before the first step; left out of the URL then). A state that is a preset exactly as it
starts has the short URL ``/explore/<preset>?at=…``.

    {"scenario": {…},                       # the scenario document (labels left out if default)
     "origin": {"preset": "sigmoid-2-2-2"}  # what "reset" goes back to, or
               {"scratch": {"layers": [2, 3, 1], "hidden": "sigmoid", "output": "sigmoid",
                            "loss": "half_sse", "init": "random", "seed": 1}}, or
               {"loaded": {…}},                 # a scenario loaded from a file (app/share.py)
     "edited": false,       # the parameters differ from the origin's (the document's figures
                            # no longer apply); changing the update order alone does not count
     "iteration": 0,        # iterations completed
     "granularity": "neuron", "precision": 9, "sample": 0,
     "history": [[0, 0.298371]],            # (iteration, loss), at most 100 points
     "trained": null,       # the last training run: {"run": n, "asked": n, "stopped": reason,
                            #   "below": the loss it was to stop under, if any}
     "previous": null}      # {"weights", "biases"} before the last update ("Finish"), so that
                            # Previous at the start of an iteration shows the last one again

``at`` = −2 (``PREVIOUS_STEP``) asks for the last step of the previous iteration: the state
with the ``previous`` parameters, one iteration back (``previous_state``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote_plus

import numpy as np

from engine import GRANULARITIES, PRESETS, EngineError, Labels, Scenario
from engine.activations import ACTIVATIONS
from engine.limits import DEFAULT_LIMITS
from engine.losses import LOSSES

from ..caches import scenario_key
from ..render.formatting import DEFAULT_DECIMALS, MAX_DECIMALS, MIN_DECIMALS, is_whole
from .codec import StateError

HISTORY_POINTS = 100
HISTORY_DIGITS = 10  # significant digits kept in the URL: the chart and "one iteration ago"
INIT_KINDS = ("random", "fixed")
# the iterations a state counts: what a link may hold, so what Finish and Train may reach
MAX_ITERATION = 10**9
PREVIOUS_STEP = -2  # ``at``: the last step of the iteration before (where the state keeps it)
KEYS = {
    "scenario",
    "origin",
    "edited",
    "iteration",
    "granularity",
    "precision",
    "sample",
    "history",
    "trained",
    "previous",
}


@dataclass(frozen=True)
class Scratch:
    """A network started from scratch: enough to build it again (reset)."""

    layers: tuple[int, ...]
    hidden: str
    output: str
    loss: str
    init: str = "random"
    seed: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "hidden": self.hidden,
            "output": self.output,
            "loss": self.loss,
            "init": self.init,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class Trained:
    run: int
    asked: int
    stopped: str
    below: float | None = None  # the loss the run was to stop under ("stop when E < …")


@dataclass(frozen=True)
class Loaded:
    """A scenario loaded from a file or pasted JSON: reset goes back to it."""

    scenario: Scenario


@dataclass(frozen=True)
class PageState:
    scenario: Scenario
    origin: str | Scratch | Loaded  # a preset id, how the scratch network was made, or a file
    edited: bool = False
    iteration: int = 0
    granularity: str = "neuron"
    precision: int = DEFAULT_DECIMALS
    sample: int = 0
    history: tuple[tuple[int, float], ...] = field(default=())
    trained: Trained | None = None
    previous: Scenario | None = None  # the scenario before the last update (Finish)

    @property
    def preset_id(self) -> str | None:
        return self.origin if isinstance(self.origin, str) else None

    @property
    def loaded(self) -> bool:
        return isinstance(self.origin, Loaded)

    @property
    def figures_apply(self) -> bool:
        """The document's printed figures can be compared with what is shown."""
        return self.preset_id is not None and not self.edited

    def to_doc(self) -> dict[str, Any]:
        doc = self._doc()
        if self.previous is not None:
            doc["previous"] = {
                "weights": [w.tolist() for w in self.previous.weights],
                "biases": [b.tolist() for b in self.previous.biases],
            }
        return doc

    def _doc(self) -> dict[str, Any]:
        return {
            "scenario": _scenario_doc(self.scenario),
            "origin": {"preset": self.origin}
            if isinstance(self.origin, str)
            else {"loaded": _scenario_doc(self.origin.scenario)}
            if isinstance(self.origin, Loaded)
            else {"scratch": self.origin.to_dict()},
            "edited": self.edited,
            "iteration": self.iteration,
            "granularity": self.granularity,
            "precision": self.precision,
            "sample": self.sample,
            "history": [[k, _short(x)] for k, x in self.history],
            "trained": None if self.trained is None else _trained_doc(self.trained),
        }

    # A state is immutable, and a page asks for its encoding, its URL, its origin and its
    # trace's key several times: each is worked out once (outside the fields: equality,
    # ``replace`` and the encoding ignore them).
    @functools.cached_property
    def _encoded(self) -> str:
        from .link import encode_state  # the link's format knows the origins: it imports this

        return encode_state(self)

    def encode(self) -> str:
        return self._encoded

    @functools.cached_property
    def _quoted(self) -> str:
        return quote_plus(self.encode())

    def encode_quoted(self) -> str:
        """``encode()`` as a URL query value (what ``urlencode`` writes)."""
        return self._quoted

    @functools.cached_property
    def scenario_key(self) -> str:
        """The scenario as canonical JSON: what its trace is cached by."""
        return scenario_key(self.scenario)

    @functools.cached_property
    def origin_state(self) -> PageState:
        """What "reset" goes back to (every click links to it)."""
        return _origin_state(self)


# -- building states -------------------------------------------------------------------------------


def preset_state(preset_id: str) -> PageState:
    p = PRESETS[preset_id]
    s = p.load()
    return PageState(
        scenario=s,
        origin=preset_id,
        granularity=p.granularity,
        history=((0, current_loss(s)),),
    )


def current_loss(s: Scenario) -> float:
    from engine import forward

    loss = forward(s).loss
    return float(loss) if math.isfinite(loss) else math.inf


def scratch_scenario(spec: Scratch) -> Scenario:
    """A new network: small weights (seeded random in ±0.5, or a fixed pattern), one sample."""
    layers = list(spec.layers)
    L = len(layers) - 1
    acts = [spec.hidden] * (L - 1) + [spec.output]
    rng = np.random.default_rng(spec.seed)
    weights, biases = [], []
    for li in range(L):
        if spec.init == "random":
            w = np.round(rng.uniform(-0.5, 0.5, size=(layers[li], layers[li + 1])), 2)
            b = np.round(rng.uniform(-0.1, 0.1, size=layers[li + 1]), 2)
        else:
            w = np.array(
                [[_fixed(li, i, j) for j in range(layers[li + 1])] for i in range(layers[li])]
            )
            b = np.full(layers[li + 1], 0.1)
        weights.append(w.tolist())
        biases.append(b.tolist())
    n0, nL = layers[0], layers[-1]
    if spec.init == "random":
        inputs = np.round(rng.uniform(0, 1, size=(1, n0)), 2)
    else:
        inputs = np.array([[round(0.05 * (i + 1), 2) for i in range(n0)]])
    if spec.output == "softmax":
        targets = np.zeros((1, nL))
        targets[0, 0] = 1.0
    elif spec.init == "random":
        # away from the 0.5 an untrained sigmoid output sits near, so there is an error to
        # learn from: in 0.05–0.35 or 0.65–0.95
        near = rng.uniform(0.05, 0.35, size=(1, nL))
        flip = rng.uniform(size=(1, nL)) >= 0.5
        targets = np.round(near + flip * (1.0 - 2.0 * near), 2)  # near, or 1 − near
    else:
        targets = np.array([[0.01 if k % 2 == 0 else 0.99 for k in range(nL)]])
    doc = {
        "title": "From scratch: " + "-".join(str(n) for n in layers),
        "layers": layers,
        "activations": acts,
        "weights": weights,
        "biases": biases,
        "inputs": inputs.tolist(),
        "targets": targets.tolist(),
        "loss": spec.loss,
        "learning_rate": 0.5,
        "update_biases": True,
        "update_order": "simultaneous",
    }
    return Scenario.from_dict(doc)


def _fixed(li: int, i: int, j: int) -> float:
    """A small fixed pattern (0.1 … 0.5) that still tells the neurons apart."""
    return round(0.1 * (1 + (i + 2 * j + li) % 5), 2)


def scratch_state(spec: Scratch) -> PageState:
    s = scratch_scenario(spec)
    return PageState(scenario=s, origin=spec, history=((0, current_loss(s)),))


def loaded_state(s: Scenario) -> PageState:
    return PageState(scenario=s, origin=Loaded(s), history=((0, current_loss(s)),))


def origin_state(state: PageState) -> PageState:
    """What "reset" goes back to."""
    return state.origin_state


def _origin_state(state: PageState) -> PageState:
    if isinstance(state.origin, str):
        return preset_state(state.origin)
    if isinstance(state.origin, Loaded):
        return loaded_state(state.origin.scenario)
    return scratch_state(state.origin)


def _scenario_doc(s: Scenario) -> dict[str, Any]:
    doc = s.to_dict()
    if s.labels == Labels.default(s.layers):
        del doc["labels"]
    return doc


def parse_layers(text: str) -> tuple[int, ...]:
    """ "2,3,1" → (2, 3, 1), with the engine's limits; EngineError naming ``layers`` if not."""
    parts = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    lim = DEFAULT_LIMITS
    if not parts or not all(is_whole(p) for p in parts):
        raise EngineError("must be whole numbers separated by commas, e.g. 2,3,1", ("layers",))
    layers = tuple(int(p) for p in parts)
    if not 2 <= len(layers) <= lim.max_layers:
        raise EngineError(
            f"must list between 2 and {lim.max_layers} layers (input layer included)", ("layers",)
        )
    if not all(1 <= n <= lim.max_neurons for n in layers):
        raise EngineError(
            f"every layer must have between 1 and {lim.max_neurons} neurons", ("layers",)
        )
    return layers


def make_scratch(layers: str, hidden: str, output: str, loss: str, init: str, seed: str) -> Scratch:
    if hidden not in ACTIVATIONS or ACTIVATIONS[hidden].output_only:
        raise EngineError("must be one of " + ", ".join(hidden_activations()), ("hidden",))
    if output not in ACTIVATIONS:
        raise EngineError("must be one of " + ", ".join(ACTIVATIONS), ("output",))
    if loss not in LOSSES:
        raise EngineError("must be one of " + ", ".join(LOSSES), ("loss",))
    if init not in INIT_KINDS:
        raise EngineError("must be random or fixed", ("init",))
    seed_text = seed.strip() or "1"
    if not is_whole(seed_text, 10) or int(seed_text) > 2**32 - 1:
        raise EngineError("must be a whole number from 0 to 4294967295", ("seed",))
    spec = Scratch(parse_layers(layers), hidden, output, loss, init, int(seed_text))
    scratch_scenario(spec)  # the engine's checks: e.g. a loss that needs a softmax output
    return spec


def hidden_activations() -> list[str]:
    return [name for name, a in ACTIVATIONS.items() if not a.output_only]


# -- reading a state back --------------------------------------------------------------------------


def from_doc(doc: dict[str, Any]) -> PageState:
    """A page state from its document; StateError (in words) when any part is off."""
    unknown = set(doc) - KEYS
    if unknown or "scenario" not in doc:
        raise StateError(
            "the link's state is not an explorer state (it may be from another version)"
        )
    try:
        scenario = Scenario.from_dict(doc["scenario"])
    except EngineError as e:
        raise StateError(f"the link's scenario is not valid: {e}") from None
    origin = _origin(doc.get("origin"))
    edited = _bool(doc.get("edited", False), "edited")
    iteration = _int(doc.get("iteration", 0), "iteration", 0, MAX_ITERATION)
    granularity = doc.get("granularity", "neuron")
    if granularity not in GRANULARITIES:
        raise StateError(f"the link's granularity must be one of {', '.join(GRANULARITIES)}")
    precision = _int(
        doc.get("precision", DEFAULT_DECIMALS), "precision", MIN_DECIMALS, MAX_DECIMALS
    )
    sample = _int(doc.get("sample", 0), "sample", 0, scenario.n_samples - 1)
    history = _history(doc.get("history", []))
    trained = _trained(doc.get("trained"))
    previous = _previous(scenario, doc.get("previous"))
    return PageState(
        scenario,
        origin,
        edited,
        iteration,
        granularity,
        precision,
        sample,
        history,
        trained,
        previous,
    )


def load(s: str) -> PageState:
    """The state of a link."""
    from .link import decode_doc

    return from_doc(decode_doc(s))


def _is_preset(x: Any) -> bool:
    return isinstance(x, str) and x in PRESETS  # a list or a dict cannot be looked up


def _origin(x: Any) -> str | Scratch | Loaded:
    if isinstance(x, dict) and set(x) == {"preset"} and _is_preset(x["preset"]):
        return str(x["preset"])
    if isinstance(x, dict) and set(x) == {"loaded"} and isinstance(x["loaded"], dict):
        try:
            return Loaded(Scenario.from_dict(x["loaded"]))
        except EngineError as e:
            raise StateError(f"the link's loaded scenario is not valid: {e}") from None
    if isinstance(x, dict) and set(x) == {"scratch"} and isinstance(x["scratch"], dict):
        d = x["scratch"]
        try:
            return make_scratch(
                ",".join(str(n) for n in d.get("layers", [])),
                str(d.get("hidden", "")),
                str(d.get("output", "")),
                str(d.get("loss", "")),
                str(d.get("init", "")),
                str(d.get("seed", "")),
            )
        except EngineError as e:
            raise StateError(f"the link's starting network is not valid: {e}") from None
    raise StateError("the link's state does not say which example it started from")


def _bool(x: Any, name: str) -> bool:
    if not isinstance(x, bool):
        raise StateError(f"the link's {name} must be true or false")
    return x


def _int(x: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or not lo <= x <= hi:
        raise StateError(f"the link's {name} must be a whole number from {lo} to {hi}")
    return x


def _history(x: Any) -> tuple[tuple[int, float], ...]:
    if not isinstance(x, list) or len(x) > HISTORY_POINTS + 1:
        raise StateError(
            f"the link's loss history must be a list of at most {HISTORY_POINTS} points"
        )
    out = []
    for p in x:
        if (
            not isinstance(p, list)
            or len(p) != 2
            or isinstance(p[0], bool)
            or not isinstance(p[0], int)
            or isinstance(p[1], bool)
            or not isinstance(p[1], int | float)
            or not 0 <= p[0] <= MAX_ITERATION
            or not math.isfinite(_as_float(p[1]))
        ):
            raise StateError("the link's loss history is damaged")
        out.append((int(p[0]), float(p[1])))
    return tuple(out)


def _as_float(x: int | float) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.inf


def _whole(x: Any, hi: int) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= hi


def _trained_doc(t: Trained) -> dict[str, Any]:
    doc: dict[str, Any] = {"run": t.run, "asked": t.asked, "stopped": t.stopped}
    if t.below is not None:
        doc["below"] = t.below
    return doc


def _trained(x: Any) -> Trained | None:
    if x is None:
        return None
    if (
        isinstance(x, dict)
        and set(x) - {"below"} == {"run", "asked", "stopped"}
        and all(_whole(x[k], MAX_ITERATION) for k in ("run", "asked"))
        and isinstance(x["stopped"], str)
        and len(x["stopped"]) <= 20
        and _threshold(x.get("below"))
    ):
        return Trained(x["run"], x["asked"], x["stopped"], x.get("below"))
    raise StateError("the link's training summary is damaged")


def _threshold(x: Any) -> bool:
    if x is None:
        return True
    return isinstance(x, float | int) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def _previous(scenario: Scenario, x: Any) -> Scenario | None:
    """The parameters before the last update, with the rest of the state's scenario."""
    if x is None:
        return None
    if not isinstance(x, dict) or set(x) != {"weights", "biases"}:
        raise StateError("the link's previous parameters are damaged")
    try:
        return Scenario.from_dict({**scenario.to_dict(), **x})
    except EngineError as e:
        raise StateError(f"the link's previous parameters are not valid: {e}") from None


def previous_state(state: PageState) -> PageState | None:
    """The state one iteration back, at the parameters before the last update (None where the
    state does not keep them): what Previous shows from the start of an iteration."""
    if state.previous is None or state.iteration < 1:
        return None
    back = state.iteration - 1
    return replace(
        state,
        scenario=state.previous,
        iteration=back,
        history=tuple(p for p in state.history if p[0] <= back),
        trained=None,
        previous=None,
    )


def _short(x: float) -> float | str:
    if not math.isfinite(x):
        return 1e308  # a loss that overflowed: the chart clips it
    return float(f"{x:.{HISTORY_DIGITS}g}")


# -- the URL ------------------------------------------------------------------------------------


def url(state: PageState, at: int = -1) -> str:
    """The canonical URL of a state and cursor (the short preset URL when it is one as loaded)."""
    query: list[str] = []
    path = "/explore"
    pid = state.preset_id
    if pid is not None and state.encode() == _preset_encoded(pid):
        path = f"/explore/{pid}"
    else:
        query.append("s=" + state.encode_quoted())  # as urlencode writes it
    if at >= 0:
        query.append(f"at={at}")
    return path + ("?" + "&".join(query) if query else "")


@functools.lru_cache(maxsize=len(PRESETS))
def _preset_encoded(preset_id: str) -> str:
    return preset_state(preset_id).encode()


# -- history -------------------------------------------------------------------------------------


def add_history(
    history: tuple[tuple[int, float], ...], points: list[tuple[int, float]]
) -> tuple[tuple[int, float], ...]:
    """Append (iteration, loss) points, keeping at most HISTORY_POINTS spread over the run."""
    merged: dict[int, float] = dict(history)
    for k, x in points:
        merged[k] = x
    items = sorted(merged.items())
    if len(items) <= HISTORY_POINTS:
        return tuple(items)
    # keep the first and the last, and the points nearest to evenly spaced iterations
    first, last = items[0][0], items[-1][0]
    marks = np.linspace(first, last, HISTORY_POINTS)
    its = np.array([k for k, _ in items])
    keep = sorted({int(np.abs(its - m).argmin()) for m in marks})
    return tuple(items[k] for k in keep)


def with_(state: PageState, **changes: Any) -> PageState:
    return replace(state, **changes)
