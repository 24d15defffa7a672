"""The page state in the URL, and what the learner's actions do to it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.explorer.actions import EditError, apply_architecture, apply_edit, finish, train_state
from app.explorer.codec import VERSION, StateError, decode, encode
from app.explorer.state import (
    HISTORY_POINTS,
    Scratch,
    add_history,
    from_doc,
    load,
    make_scratch,
    preset_state,
    scratch_state,
    url,
)
from engine import PRESETS, EngineError


@pytest.mark.parametrize("preset", list(PRESETS))
def test_round_trip_is_exact(preset: str) -> None:
    st = finish(preset_state(preset))
    back = load(st.encode())
    assert back.to_doc() == st.to_doc()
    for a, b in zip(back.scenario.weights, st.scenario.weights, strict=True):
        assert np.array_equal(a, b)  # float64 intact, bit for bit


def test_preset_url_is_short_until_something_changes() -> None:
    st = preset_state("sigmoid-2-2-2")
    assert url(st) == "/explore/sigmoid-2-2-2"
    assert url(st, 4) == "/explore/sigmoid-2-2-2?at=4"
    changed = replace(st, precision=4)
    assert url(changed, 4).startswith(f"/explore?s={VERSION}.")
    assert url(changed, 4).endswith("&at=4")


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"scenario": {}},
        {"scenario": PRESETS["single-neuron"].scenario, "origin": {"preset": "nope"}},
        {
            "scenario": PRESETS["single-neuron"].scenario,
            "origin": {"preset": "single-neuron"},
            "precision": 99,
        },
        {
            "scenario": PRESETS["single-neuron"].scenario,
            "origin": {"preset": "single-neuron"},
            "history": [[0, "x"]],
        },
        {
            "scenario": PRESETS["single-neuron"].scenario,
            "origin": {"preset": "single-neuron"},
            "sample": 3,
        },
        {
            "scenario": {**PRESETS["single-neuron"].scenario, "weights": [[[1e9]]]},
            "origin": {"preset": "single-neuron"},
        },
        {
            "scenario": PRESETS["single-neuron"].scenario,
            "origin": {"preset": "single-neuron"},
            "surprise": 1,
        },
    ],
)
def test_a_bad_state_is_a_state_error(doc: dict[str, object]) -> None:
    with pytest.raises(StateError):
        from_doc(doc)


def test_history_stays_short_and_keeps_both_ends() -> None:
    h = add_history(((0, 1.0),), [(k, 1.0 / (k + 1)) for k in range(1, 5000)])
    assert len(h) <= HISTORY_POINTS and h[0][0] == 0 and h[-1][0] == 4999
    assert [k for k, _ in h] == sorted(k for k, _ in h)


def test_edit_changes_one_value_and_marks_the_state_edited() -> None:
    st = preset_state("sigmoid-2-2-2")
    new = apply_edit(st, {"w-1-0-0": "0.5"})
    assert new.scenario.weights[1][0, 0] == 0.5 and new.edited
    assert np.array_equal(new.scenario.weights[0], st.scenario.weights[0])
    order = apply_edit(st, {"update_order": "output_first"})
    assert not order.edited and order.scenario.update_order == "output_first"


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"w-1-0-0": "abc"}, "w-1-0-0", "w5: “abc” is not a number: use a number from"),
        ({"w-1-0-0": "nan"}, "w-1-0-0", "is not a number"),
        ({"b-0-0": "1e400"}, "b-0-0", "b1: “1e400” is too large: use a number from −1,000,000"),
        ({"x-0-1": "2e6"}, "x-0-1", "input i2 of sample 1: “2e6” is too large"),
        ({"learning_rate": "0"}, "learning_rate", "0 < η ≤ 100"),
        ({"loss": "cross_entropy"}, "loss", "softmax"),
        ({"act-0": "softmax"}, "act-0", "output layer only"),
    ],
)
def test_refused_edits_name_the_field_and_the_rule(
    form: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(EditError) as e:
        apply_edit(preset_state("sigmoid-2-2-2"), form)
    assert e.value.field == field and words in e.value.message


@pytest.mark.parametrize(
    ("op", "layers"),
    [
        ("add_neuron:1", (2, 3, 2)),
        ("remove_neuron:1", (2, 1, 2)),
        ("add_layer:0", (2, 2, 2, 2)),
        ("remove_layer:1", (2, 2)),
        ("add_neuron:0", (3, 2, 2)),
        ("add_neuron:2", (2, 2, 3)),
    ],
)
def test_architecture(op: str, layers: tuple[int, ...]) -> None:
    st = preset_state("sigmoid-2-2-2")
    new = apply_architecture(st, op)
    assert new.scenario.layers == layers and new.edited
    assert apply_architecture(st, op).to_doc() == new.to_doc()  # deterministic new weights


def test_architecture_limits() -> None:
    st = preset_state("single-neuron")
    for op in ("remove_neuron:1", "remove_layer:1", "add_layer:1", "grow:1", "add_neuron:9"):
        with pytest.raises(EditError):
            apply_architecture(st, op)


def test_finish_and_train_count_iterations() -> None:
    st = preset_state("sigmoid-2-2-2")
    one = finish(st)
    assert one.iteration == 1 and one.history[-1][0] == 1
    assert one.scenario.weights[1][0, 0] == pytest.approx(0.35891648, abs=1e-8)
    many = train_state(one, 500, time_limit=5.0)
    assert (
        many.iteration == 501 and many.trained is not None and many.trained.stopped == "iterations"
    )
    assert many.history[0][0] == 0 and many.history[-1][0] == 501


def test_train_reports_divergence() -> None:
    st = apply_edit(preset_state("linear-2-2-1"), {"learning_rate": "90"})
    out = train_state(st, 1000, time_limit=5.0)
    assert out.trained is not None and out.trained.stopped in ("diverged", "limit")
    assert out.trained.run < 1000
    load(out.encode())  # the last finite state still travels in the URL


def test_scratch() -> None:
    spec = make_scratch("2, 3, 1", "tanh", "sigmoid", "bce", "random", "7")
    assert spec == Scratch((2, 3, 1), "tanh", "sigmoid", "bce", "random", 7)
    a, b = scratch_state(spec), scratch_state(spec)
    assert a.to_doc() == b.to_doc()  # seeded
    fixed = scratch_state(make_scratch("2,2", "relu", "softmax", "cross_entropy", "fixed", ""))
    assert fixed.scenario.targets.sum() == 1.0
    for bad in ("", "2", "2,x", "0,1", "2,17", ",".join(["2"] * 9)):
        with pytest.raises(EngineError):
            make_scratch(bad, "sigmoid", "sigmoid", "half_sse", "random", "1")


def test_damaged_links() -> None:
    good = preset_state("single-neuron").encode()
    for bad in (
        good[:-10],
        "1." + "A" * 50,
        "9." + good[2:],
        "nonsense",
        "1.",
        good.replace(".", "!"),
    ):
        with pytest.raises(StateError):
            load(bad)
    with pytest.raises(StateError):
        from_doc(decode(encode({"scenario": 1})))
