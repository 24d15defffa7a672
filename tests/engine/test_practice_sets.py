"""Ready-made practice sets, fading levels and the cells of a matrix question."""

from __future__ import annotations

import numpy as np
import pytest

from engine import EngineError, Scenario, get_preset, trace
from engine.practice import FADE_ALL, SETS, cell_of, cells, chosen_cells, get_set, questions
from engine.practice.sets import fade_for_iteration


@pytest.mark.parametrize("set_id", list(SETS))
def test_every_set_asks_steps_of_its_presets_trace(set_id: str) -> None:
    practice = get_set(set_id)
    t = trace(get_preset(practice.preset).load(), practice.granularity)
    asked = questions(t, practice)
    assert asked and all(q.asked for q in asked)
    assert [q.at for q in asked] == sorted(q.at for q in asked)
    for q in asked:
        assert q.cells == cells(t.steps[q.at])  # every preset's matrix has at most 16 cells


def test_document_000s_exercises_are_its_four_numbers_and_three_derivatives() -> None:
    practice = get_set("doc000-exercises")
    t = trace(get_preset("single-neuron").load(), "neuron")
    names = [t.steps[q.at].quantity for q in questions(t, practice)]
    assert names == ["z(L)", "a(L)", "E", "∂E/∂w(L)", "∂E/∂b(L)", "∂E/∂a(L−1)"]


def test_document_002s_set_ends_with_the_six_updated_weights() -> None:
    practice = get_set("doc002-forward-update")
    t = trace(get_preset("linear-2-2-1").load(), "neuron")
    names = [t.steps[q.at].quantity for q in questions(t, practice)]
    assert "δ_prediction" in names
    assert sorted(n for n in names if n.endswith("⁺")) == sorted(
        ["w1⁺", "w2⁺", "w3⁺", "w4⁺", "w5⁺", "w6⁺"]
    )


def test_the_xor_set_asks_matrices_cell_by_cell() -> None:
    practice = get_set("xor-layers")
    t = trace(get_preset("batch-xor").load(), "layer")
    z1 = next(q for q in questions(t, practice) if t.steps[q.at].quantity == "Z1")
    assert len(z1.cells) == 8
    assert z1.cells[3].name == "net_h2 (sample 2)"
    assert z1.cells[3].value == t.steps[z1.at].value[1][1]


def test_an_unknown_set_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(EngineError) as e:
        get_set("doc004")
    assert e.value.loc == ("set",) and "doc003-iteration" in e.value.message


def test_backward_fading_asks_the_last_k_steps_of_each_phase() -> None:
    t = trace(get_preset("sigmoid-2-2-2").load(), "neuron")
    for level in (1, 2, 3):
        asked = [q for q in questions(t, None, level) if q.asked]
        for phase in ("forward", "loss", "backward", "update"):
            in_phase = [s.index for s in t.steps if s.phase == phase]
            assert [q.at for q in asked if t.steps[q.at].phase == phase] == in_phase[-level:]
    assert all(q.asked for q in questions(t, None, FADE_ALL))
    assert len(questions(t)) == len(t.steps)


def test_fading_rises_with_each_iteration() -> None:
    assert [fade_for_iteration(i) for i in range(4)] == [1, 2, 3, 4]


def test_a_fading_level_out_of_range_is_refused() -> None:
    t = trace(get_preset("sigmoid-2-2-2").load())
    with pytest.raises(EngineError) as e:
        questions(t, None, -1)
    assert e.value.loc == ("fade",)


def test_a_matrix_of_more_than_16_cells_asks_a_few_named_ones() -> None:
    rng = np.random.default_rng(7)
    doc = {
        "layers": [3, 6, 1],
        "activations": ["tanh", "sigmoid"],
        "weights": [rng.uniform(-1, 1, (3, 6)).tolist(), rng.uniform(-1, 1, (6, 1)).tolist()],
        "biases": [[0.0] * 6, [0.0]],
        "inputs": rng.uniform(-1, 1, (4, 3)).tolist(),
        "targets": [[0.0], [1.0], [1.0], [0.0]],
        "loss": "half_sse",
    }
    t = trace(Scenario.from_dict(doc), "layer")
    z1 = t.steps[0]  # 4 samples × 6 neurons
    picked = chosen_cells(z1)
    assert len(cells(z1)) == 24 and 2 <= len(picked) <= 4
    assert picked[0].path == (0, 0) and picked[-1].path == (3, 5)
    assert all(c.name.startswith("net_h") and "(sample" in c.name for c in picked)
    assert picked == chosen_cells(z1)


def test_a_cell_outside_the_value_is_refused() -> None:
    t = trace(get_preset("batch-xor").load(), "layer")
    with pytest.raises(EngineError) as e:
        cell_of(t.steps[0], (4, 0))
    assert e.value.loc == ("cell",) and "[4, 2]" in e.value.message
    with pytest.raises(EngineError):
        cell_of(t.steps[0], None)
