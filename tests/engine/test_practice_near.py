"""Wrong answers no mistake of the table gives, named all the same (``engine/practice/near.py``):
the right value rounded on the way, the other sign, another cell of the step, another step.
Each case is worked from the documents' numbers, not read back from the engine's rules."""

from __future__ import annotations

import pytest

from engine import PRESETS, Trace, get_preset, trace
from engine.practice import NEAR_IDS, check_trace, parse_answer
from engine.practice.cells import cells

from .test_practice_diagnoses import assert_names_are_formulas


def doc003() -> Trace:
    return trace(get_preset("sigmoid-2-2-2").load())


def at(t: Trace, quantity: str) -> int:
    return next(s.index for s in t.steps if s.quantity == quantity)


def named(t: Trace, k: int, typed: str, cell: tuple[int, ...] | None = None) -> str | None:
    result = check_trace(t, k, typed, cell)
    assert not result.correct, typed
    if result.diagnosis is not None:
        assert_names_are_formulas(result.diagnosis.said, t)
    return result.diagnosis.id if result.diagnosis else None


def test_a_delta_from_the_page_s_rounded_values_is_close_at_fewer_digits() -> None:
    # δ_o1 = (out_o1 − t_o1) · out_o1 · (1 − out_o1) from 4-decimal values:
    # 0.7414 · 0.7514 · 0.2486 = 0.13849... ≠ 0.138498562 at 6 digits, right at 4
    t = doc003()
    typed = f"{0.7414 * 0.7514 * (1 - 0.7514):.6f}"
    assert typed == "0.138492"
    result = check_trace(t, at(t, "δ_o1"), typed)
    assert result.diagnosis is not None and result.diagnosis.id == "rounded_on_the_way"
    assert "to 4 significant digits" in result.diagnosis.message
    assert "0.1385" not in result.diagnosis.message  # the value is never given away


def test_a_hidden_delta_with_the_other_sign_is_named() -> None:
    # δ_h1 = 0.008771354689 (document 003: 0.00877135); the table names the other sign only
    # where the target and the output are swapped (the output side)
    t = doc003()
    assert named(t, at(t, "δ_h1"), "-0.00877135") == "sign_flipped"
    assert named(t, at(t, "∂E/∂w1"), "−0.000438568") == "sign_flipped"


def test_a_path_left_out_of_a_hidden_neurons_sum_is_named() -> None:
    # ∂E/∂out_h1 = δ_o1·w5 + δ_o2·w7 = 0.138498562·0.40 − 0.038098237·0.50 (document 003);
    # with the path through o2 forgotten, δ_o1·w5 alone: 0.055399425
    t = doc003()
    result = check_trace(t, at(t, "∂E/∂out_h1"), f"{0.13849856162855698 * 0.40:.7f}")
    assert result.diagnosis is not None and result.diagnosis.id == "path_left_out"
    assert "the path through w7 (its term δ_o2 · w7)" in result.diagnosis.message
    # δ_h1 from that half sum: times out_h1·(1 − out_h1) = 0.241300709
    slope = 0.5932699921071872 * (1 - 0.5932699921071872)
    typed = f"{-0.03809823651655623 * 0.50 * slope:.6f}"  # the path through w5 forgotten
    assert named(t, at(t, "δ_h1"), typed) == "path_left_out"


def test_the_gradient_of_the_neighbouring_weight_is_named_with_its_step() -> None:
    # ∂E/∂w5 = δ_o1 · out_h1; with out_h2 (0.596884378) it is ∂E/∂w6 = 0.082667628
    t = doc003()
    k = at(t, "∂E/∂w5")
    result = check_trace(t, k, f"{0.13849856162855698 * 0.596884378:.7f}")
    assert result.diagnosis is not None and result.diagnosis.id == "another_step"
    w6 = at(t, "∂E/∂w6")
    assert f"(step {w6 + 1} of this iteration)" in result.diagnosis.message
    assert "∂E/∂w6" in result.diagnosis.message and "∂E/∂w5" in result.diagnosis.message


def test_a_number_of_another_sample_is_named_with_its_sample() -> None:
    # XOR's Z1, sample 2 (inputs 0, 1): net_h1 = 0.6 + 0 bias; sample 3 (1, 0) gives −0.83
    t = trace(get_preset("batch-xor").load(), "layer")
    k = at(t, "Z1")
    assert check_trace(t, k, "0.600", (1, 0)).correct
    result = check_trace(t, k, "-0.830", (1, 0))
    assert result.diagnosis is not None and result.diagnosis.id == "another_cell"
    assert "(sample 3)" in result.diagnosis.message


def test_a_short_number_is_never_matched_to_another_step() -> None:
    # Z1 holds zeros (sample 1): "0" for out_h1 says nothing about where it came from
    t = doc003()
    assert named(t, at(t, "out_h1"), "0") is None
    assert named(t, at(t, "out_h1"), "0.1") is None


@pytest.mark.parametrize("pid", sorted(PRESETS))
def test_every_number_typed_with_the_other_sign_is_right_or_named(pid: str) -> None:
    """The other sign of any number with three digits or more: right (a document's own sign),
    or named by the table or as ``sign_flipped``; never "not the value" without a word."""
    for granularity in ("neuron", "layer"):
        t = trace(get_preset(pid).load(), granularity)
        for step in t.steps:
            for cell in cells(step)[:4]:
                typed = parse_answer(repr(-cell.value))
                if cell.value == 0.0 or typed.significant < 3:
                    continue
                result = check_trace(t, step.index, typed.text, cell.path or None)
                assert result.correct or result.diagnosis is not None, (step.quantity, cell)
                if result.diagnosis is not None:
                    assert_names_are_formulas(result.diagnosis.said, t)


def test_the_ids_are_new() -> None:
    from engine.practice import MISTAKE_IDS

    assert not set(NEAR_IDS) & set(MISTAKE_IDS) and len(set(NEAR_IDS)) == 5
