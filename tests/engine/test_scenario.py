"""Scenario validation (one error type naming the field and the rule) and the exact round trip."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine import PRESETS, EngineError, Labels, Scenario
from engine.limits import DEFAULT_LIMITS, Limits

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax")
LOSSES = ("half_sse", "sse", "mse", "bce", "cross_entropy")


def base() -> dict[str, Any]:
    return copy.deepcopy(PRESETS["sigmoid-2-2-2"].scenario)


def with_(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        target: Any = doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return edit


def without(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc.pop(name) and None


def _many(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        for e in edits:
            e(doc)

    return edit


BIG = DEFAULT_LIMITS.max_abs_value * 10

INVALID = [
    # (id, edit, loc, words in the message)
    ("weights-rows", with_(("weights", 1), [[0.4, 0.5]]), ("weights", 1), "2 rows, got 1"),
    ("weights-cols", with_(("weights", 0, 1), [0.2]), ("weights", 0, 1), "2 numbers, got 1"),
    ("weights-count", with_(("weights",), [[[0.1, 0.2]]]), ("weights",), "2 matrices"),
    ("weights-not-list", with_(("weights", 0), 0.5), ("weights", 0), "list of rows"),
    ("biases-length", with_(("biases", 0), [0.35]), ("biases", 0), "2 numbers, got 1"),
    ("biases-count", with_(("biases",), []), ("biases",), "2 vectors"),
    ("inputs-width", with_(("inputs", 0), [0.05]), ("inputs", 0), "2 numbers, got 1"),
    ("inputs-empty", with_(("inputs",), []), ("inputs",), "between 1 and"),
    ("targets-rows", with_(("targets",), [[0.01, 0.99]] * 2), ("targets",), "1 rows, got 2"),
    ("targets-width", with_(("targets", 0), [0.01]), ("targets", 0), "2 numbers, got 1"),
    ("layers-vs-weights", with_(("layers",), [2, 3, 2]), ("weights", 0, 0), "3 numbers"),
    ("layers-too-few", with_(("layers",), [2]), ("layers",), "between 2 and"),
    ("layers-zero-width", with_(("layers",), [2, 0, 2]), ("layers", 1), "between 1 and"),
    ("layers-not-ints", with_(("layers",), [2, 2.0, 2]), ("layers",), "whole numbers"),
    ("layers-bool", with_(("layers",), [2, True, 2]), ("layers",), "whole numbers"),
    ("activation-unknown", with_(("activations", 0), "swish"), ("activations", 0), "swish"),
    ("activation-not-str", with_(("activations", 1), 3), ("activations", 1), "string"),
    ("activations-count", with_(("activations",), ["sigmoid"]), ("activations",), "2 activ"),
    ("loss-unknown", with_(("loss",), "hinge"), ("loss",), "unknown loss 'hinge'"),
    ("loss-not-str", with_(("loss",), None), ("loss",), "string"),
    (
        "softmax-hidden",
        with_(("activations",), ["softmax", "sigmoid"]),
        ("activations", 0),
        "output layer only",
    ),
    (
        "bce-without-sigmoid",
        _many(with_(("loss",), "bce"), with_(("activations", 1), "tanh")),
        ("loss",),
        "needs a sigmoid output",
    ),
    (
        "cross-entropy-without-softmax",
        with_(("loss",), "cross_entropy"),
        ("loss",),
        "needs a softmax output",
    ),
    (
        "bce-target-outside-0-1",
        _many(with_(("loss",), "bce"), with_(("targets", 0, 1), 1.5)),
        ("targets",),
        "between 0 and 1",
    ),
    ("nan", with_(("weights", 1, 0, 1), math.nan), ("weights", 1, 0, 1), "finite"),
    ("inf", with_(("biases", 0, 1), math.inf), ("biases", 0, 1), "finite"),
    ("minus-inf", with_(("inputs", 0, 0), -math.inf), ("inputs", 0, 0), "finite"),
    ("nan-learning-rate", with_(("learning_rate",), math.nan), ("learning_rate",), "finite"),
    ("weight-over-limit", with_(("weights", 0, 0, 0), BIG), ("weights", 0, 0, 0), "between"),
    ("target-over-limit", with_(("targets", 0, 0), -BIG), ("targets", 0, 0), "between"),
    ("int-beyond-float64", with_(("inputs", 0, 1), 10**400), ("inputs", 0, 1), "between"),
    ("learning-rate-over-limit", with_(("learning_rate",), 101.0), ("learning_rate",), "100"),
    ("learning-rate-zero", with_(("learning_rate",), 0), ("learning_rate",), "greater than 0"),
    ("learning-rate-negative", with_(("learning_rate",), -0.5), ("learning_rate",), "greater"),
    ("too-many-layers", with_(("layers",), [2] * 9), ("layers",), "between 2 and 8"),
    ("too-many-neurons", with_(("layers",), [2, 17, 2]), ("layers", 1), "between 1 and 16"),
    ("too-many-samples", with_(("inputs",), [[0.0, 0.0]] * 257), ("inputs",), "256"),
    ("title-too-long", with_(("title",), "x" * 201), ("title",), "200"),
    (
        "label-too-long",
        with_(("labels", "neurons", 0, 0), "n" * 25),
        ("labels", "neurons", 0, 0),
        "24",
    ),
    ("bool-weight", with_(("weights", 0, 0, 0), True), ("weights", 0, 0, 0), "got bool"),
    ("bool-learning-rate", with_(("learning_rate",), False), ("learning_rate",), "got bool"),
    ("bool-input", with_(("inputs", 0, 1), True), ("inputs", 0, 1), "got bool"),
    ("string-number", with_(("weights", 0, 1, 1), "0.3"), ("weights", 0, 1, 1), "got str"),
    ("none-number", with_(("targets", 0, 0), None), ("targets", 0, 0), "got NoneType"),
    ("update-biases-int", with_(("update_biases",), 1), ("update_biases",), "true or false"),
    ("update-order", with_(("update_order",), "backwards"), ("update_order",), "simultaneous"),
    ("unknown-field", with_(("momentum",), 0.9), ("momentum",), "not a field"),
    ("unknown-label-field", with_(("labels", "colour"), "red"), ("labels",), "colour"),
    ("label-shape", with_(("labels", "biases"), [["b1"]]), ("labels", "biases"), "list of 2"),
    (
        "label-not-str",
        with_(("labels", "weights", 0, 0, 0), 5),
        ("labels", "weights", 0, 0, 0),
        "string",
    ),
    ("missing-weights", without("weights"), ("weights",), "required"),
    ("missing-loss", without("loss"), ("loss",), "required"),
]


@pytest.mark.parametrize(
    ("edit", "loc", "words"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_documents_name_the_field_and_the_rule(
    edit: Callable[[dict[str, Any]], None], loc: tuple[str | int, ...], words: str
) -> None:
    doc = base()
    edit(doc)
    with pytest.raises(EngineError) as err:
        Scenario.from_dict(doc)
    assert err.value.loc == loc
    assert words in err.value.message
    assert isinstance(err.value, ValueError)  # one type, and a ValueError for plain callers


def test_not_an_object() -> None:
    with pytest.raises(EngineError) as err:
        Scenario.from_dict([1, 2])  # type: ignore[arg-type]
    assert err.value.loc == ()
    assert str(err.value) == err.value.message


def test_error_text_names_the_path() -> None:
    doc = base()
    doc["weights"][1][0][1] = math.nan
    with pytest.raises(EngineError) as err:
        Scenario.from_dict(doc)
    assert err.value.field == "weights[1][0][1]"
    assert str(err.value).startswith("weights[1][0][1]: ")
    assert EngineError("x", ("labels", "neurons", 0)).field == "labels.neurons[0]"


@pytest.mark.parametrize("output", ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_exactly_the_documented_pairs_are_accepted(output: str, loss: str) -> None:
    doc = base()
    doc["activations"] = ["tanh", output]
    doc["loss"] = loss
    accepted = loss in ("half_sse", "sse", "mse") or (loss, output) in (
        ("bce", "sigmoid"),
        ("cross_entropy", "softmax"),
    )
    if accepted:
        assert Scenario.from_dict(doc).activations == ("tanh", output)
    else:
        with pytest.raises(EngineError) as err:
            Scenario.from_dict(doc)
        assert err.value.loc == ("loss",)


def test_limits_are_the_documented_ones_and_can_be_changed() -> None:
    assert Limits(8, 16, 256, 1e6, 100.0, 200, 24) == DEFAULT_LIMITS
    doc = base()
    doc["weights"][0][0][0] = 2e6
    with pytest.raises(EngineError):
        Scenario.from_dict(doc)
    s = Scenario.from_dict(doc, Limits(max_abs_value=1e7))
    assert s.weights[0][0, 0] == 2e6
    doc["weights"][0][0][0] = DEFAULT_LIMITS.max_abs_value  # the bound itself is allowed
    assert Scenario.from_dict(doc).weights[0][0, 0] == 1e6


def test_defaults_of_the_optional_fields() -> None:
    doc = {
        k: v
        for k, v in base().items()
        if k in ("layers", "activations", "weights", "biases", "inputs", "targets", "loss")
    }
    s = Scenario.from_dict(doc)
    assert (s.learning_rate, s.update_biases, s.update_order, s.title) == (
        0.5,
        True,
        "simultaneous",
        "",
    )
    assert s.labels == Labels.default([2, 2, 2])
    assert Scenario.from_dict({**doc, "labels": None}).labels == s.labels


def test_default_labels_number_weights_by_destination_as_document_003() -> None:
    labels = Labels.default([2, 2, 2])
    assert labels.weights == PRESETS["sigmoid-2-2-2"].load().labels.weights
    assert labels.neurons == (("i1", "i2"), ("h1", "h2"), ("o1", "o2"))
    assert Labels.default([1, 3, 3, 1]).neurons[1:3] == (
        ("h1.1", "h1.2", "h1.3"),
        ("h2.1", "h2.2", "h2.3"),
    )


def test_integers_become_float64_and_arrays_are_read_only() -> None:
    doc = base()
    doc["inputs"] = [[1, 2]]
    s = Scenario.from_dict(doc)
    assert s.inputs.dtype == np.float64 and s.inputs.tolist() == [[1.0, 2.0]]
    for a in (*s.weights, *s.biases, s.inputs, s.targets):
        assert a.dtype == np.float64
        with pytest.raises(ValueError, match="read-only"):
            a[...] = 0.0


def test_shapes() -> None:
    s = Scenario.from_dict(base())
    assert s.layers == (2, 2, 2) and s.n_samples == 1
    assert [w.shape for w in s.weights] == [(2, 2), (2, 2)]
    assert [b.shape for b in s.biases] == [(2,), (2,)]


def _full_precision_doc(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    doc = base()
    doc["weights"] = [rng.normal(size=(2, 2)).tolist() for _ in range(2)]
    doc["biases"] = [rng.normal(size=2).tolist() for _ in range(2)]
    doc["inputs"] = (rng.normal(size=(3, 2)) * 1e-300).tolist()  # subnormal-adjacent values
    doc["targets"] = (rng.normal(size=(3, 2)) * 1e5).tolist()
    doc["learning_rate"] = float(rng.uniform(1e-9, 1))
    return doc


def _bits(s: Scenario) -> list[bytes]:
    return [a.tobytes() for a in (*s.weights, *s.biases, s.inputs, s.targets)]


@pytest.mark.parametrize("source", [*PRESETS, "random-0", "random-1", "random-2"])
def test_round_trip_is_bit_for_bit(source: str) -> None:
    doc = (
        PRESETS[source].scenario
        if source in PRESETS
        else _full_precision_doc(int(source.rsplit("-", 1)[1]))
    )
    s = Scenario.from_dict(doc)
    again = Scenario.from_dict(s.to_dict())
    assert _bits(again) == _bits(s)
    assert again.to_dict() == s.to_dict()
    assert again.learning_rate == s.learning_rate and again.labels == s.labels
    via_json = Scenario.from_dict(json.loads(json.dumps(s.to_dict())))
    assert _bits(via_json) == _bits(s)
    assert via_json.to_dict() == s.to_dict()
    assert json.loads(json.dumps(s.to_dict())) == s.to_dict()


def test_to_dict_holds_every_field_once() -> None:
    d = Scenario.from_dict(base()).to_dict()
    assert set(d) == {
        "title",
        "layers",
        "activations",
        "weights",
        "biases",
        "inputs",
        "targets",
        "loss",
        "learning_rate",
        "update_biases",
        "update_order",
        "labels",
    }
    assert set(d["labels"]) == {"weights", "biases", "neurons", "net", "out"}
    assert all(type(x) is float for row in d["weights"][0] for x in row)


def test_with_params_copies_and_freezes() -> None:
    s = Scenario.from_dict(base())
    w = [np.ones((2, 2)), np.zeros((2, 2))]
    t = s.with_params(w, list(s.biases))
    w[0][0, 0] = 5.0
    assert t.weights[0][0, 0] == 1.0
    assert not t.weights[0].flags.writeable
    assert s.weights[0][0, 0] == 0.15  # the original is untouched


def test_with_fresh_params_freezes_the_callers_arrays_without_copying() -> None:
    s = Scenario.from_dict(base())
    w = [np.ones((2, 2)), np.zeros((2, 2))]
    t = s.with_params(w, s.biases, fresh=True)
    assert t.weights[0] is w[0] and t.biases[0] is s.biases[0]
    assert not w[0].flags.writeable and not t.weights[1].flags.writeable


def test_a_steps_new_parameters_are_read_only() -> None:
    from engine import step

    after = step(Scenario.from_dict(base())).after
    for a in (*after.weights, *after.biases):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 1.0


def test_scenarios_made_without_the_constructor_have_every_field() -> None:
    # from_dict and with_params fill the fields directly (engine/scenario.py _checked_scenario)
    import dataclasses

    s = Scenario.from_dict(base())
    names = [f.name for f in dataclasses.fields(Scenario)]
    for made in (
        s,
        s.with_params(s.weights, s.biases),
        s.with_params(s.weights, s.biases, fresh=True),
    ):
        assert list(vars(made)) == names
        assert made.to_dict() == s.to_dict()
        assert dataclasses.replace(made).to_dict() == s.to_dict()


def test_a_step_without_bias_updates_neither_shares_nor_freezes_the_callers_biases() -> None:
    from engine import step

    s = Scenario.from_dict({**base(), "update_biases": False})
    mine = [np.array(b) for b in s.biases]  # writable, the caller's own
    by_hand = Scenario(**{**vars(s), "biases": tuple(mine)})
    after = step(by_hand).after
    assert all(not np.shares_memory(a, b) for a, b in zip(after.biases, mine, strict=True))
    assert all(b.flags.writeable for b in mine)
    assert all(not a.flags.writeable for a in after.biases)


def test_scenarios_compare_by_value() -> None:
    s = Scenario.from_dict(base())
    assert s == Scenario.from_dict(base())
    assert s == s.with_params([w.copy() for w in s.weights], s.biases)
    assert s != s.with_params([w + 1.0 for w in s.weights], s.biases)
    assert s != dataclasses.replace(s, title="another")
    assert s != dataclasses.replace(s, inputs=np.vstack([s.inputs, s.inputs]))
    assert s != "a scenario"


def test_labels_given_in_full_or_in_part() -> None:
    doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    full = Scenario.from_dict(doc)
    as_tuples = {**doc["labels"], "biases": [("b1", "b1"), ("b2", "b2")]}
    assert Scenario.from_dict({**doc, "labels": as_tuples}).labels == full.labels
    default = Scenario.from_dict({k: v for k, v in doc.items() if k != "labels"}).labels
    part = Scenario.from_dict({**doc, "labels": {"net": "z"}}).labels
    assert (part.weights, part.biases, part.neurons, part.net) == (
        default.weights,
        default.biases,
        default.neurons,
        "z",
    )
    with pytest.raises(EngineError) as e:
        Scenario.from_dict({**doc, "labels": {**doc["labels"], "out": 3}})
    assert e.value.loc == ("labels", "out")
    with pytest.raises(EngineError) as e:
        Scenario.from_dict({**doc, "labels": {**doc["labels"], "extra": "x"}})
    assert e.value.loc == ("labels",)
