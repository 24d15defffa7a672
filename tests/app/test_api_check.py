"""POST /api/check: the learner's judgement for scripts and autograders."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine import get_preset, trace


def body(preset: str = "sigmoid-2-2-2", **kw: Any) -> dict[str, Any]:
    return {"scenario": get_preset(preset).scenario, **kw}


def detail(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 422, r.text
    return r.json()["detail"]  # type: ignore[no-any-return]


def test_a_right_answer_is_correct_without_giving_the_value(client: TestClient) -> None:
    r = client.post("/api/check", json=body(at=1, answer="0,593"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "correct": True,
        "quantity": "out_h1",
        "digits": 3,
        "too_few_digits": False,
    }


def test_reveal_gives_the_exact_value(client: TestClient) -> None:
    r = client.post("/api/check", json=body(at=1, answer="0.5", reveal=True))
    expected = trace(get_preset("sigmoid-2-2-2").load()).steps[1].value
    assert r.json()["expected"] == expected
    assert r.json()["correct"] is False


def test_too_few_digits_is_not_correct(client: TestClient) -> None:
    out = client.post("/api/check", json=body(at=1, answer="0.59")).json()
    assert out["correct"] is False and out["too_few_digits"] is True
    assert "diagnosis" not in out


def test_a_wrong_answer_is_diagnosed(client: TestClient) -> None:
    # net_h1 without its bias: 0.15·0.05 + 0.2·0.1 = 0.0275
    out = client.post("/api/check", json=body(at=0, answer="0.0275")).json()
    assert out["correct"] is False
    assert out["diagnosis"]["id"] == "bias_left_out"
    assert "b1" in out["diagnosis"]["message"]


def test_a_matrix_cell_is_judged_at_layer_granularity(client: TestClient) -> None:
    t = trace(get_preset("batch-xor").load(), "layer")
    value = t.steps[1].value[2][0]  # A1, sample 3, h1
    r = client.post(
        "/api/check",
        json=body("batch-xor", at=1, granularity="layer", cell=[2, 0], answer=repr(value)),
    )
    assert r.json()["correct"] is True
    assert r.json()["quantity"] == "out_h1 (sample 3)"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"at": 0, "answer": "zero point five"}, "answer"),
        ({"at": 0, "answer": ""}, "answer"),
        ({"at": 99, "answer": "1"}, "at"),
        ({"at": -1, "answer": "1"}, "at"),
        ({"at": 0, "answer": 0.5}, "answer"),
        ({"at": 0, "answer": "1", "cell": [0, 0]}, "cell"),
        ({"at": 0, "answer": "1", "granularity": "sample"}, "granularity"),
        ({"at": 0, "answer": "1", "reveal": "yes"}, "reveal"),
        ({"at": 0, "answer": "1", "extra": 1}, "extra"),
        ({"answer": "1"}, "at"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, extra: dict[str, Any], field: str
) -> None:
    errors = detail(client.post("/api/check", json=body(**extra)))
    assert any(field in e["loc"] for e in errors), errors
    assert all(e["msg"] for e in errors)


def test_a_batch_step_needs_its_cell(client: TestClient) -> None:
    errors = detail(client.post("/api/check", json=body("batch-xor", at=0, answer="0")))
    assert errors[0]["loc"] == ["body", "cell"]
    assert "4 numbers" in errors[0]["msg"]


def test_check_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/check"]["post"]
    assert "422" in op["responses"]
    schema = spec["components"]["schemas"]["CheckIn"]
    assert {"scenario", "at", "answer"} <= set(schema["required"])


def test_a_presets_own_signs_are_right_through_the_api(client: TestClient) -> None:
    # document 001: Δ = Err · g′ with Err = y − a, the negative of ∂E/∂net
    t = trace(get_preset("batch-xor").load(), "layer")
    at = next(s.index for s in t.steps if s.quantity == "Δ2")
    value = t.steps[at].value[1][0]
    for typed in (repr(value), repr(-value)):
        r = client.post(
            "/api/check",
            json=body("batch-xor", at=at, granularity="layer", cell=[1, 0], answer=typed),
        )
        assert r.json()["correct"] is True, typed


def test_the_diagnosis_ids_are_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    text = spec["components"]["schemas"]["DiagnosisOut"]["properties"]["id"]["description"]
    assert "updated_weights_sent_back" in text and "batch_summed" in text
    assert "slope_of_another_activation" in text and "path_left_out" in text
    assert "slope_of_another_activation:" not in text  # ids, not the table's rows


def test_checks_of_one_scenario_trace_it_once_in_the_pages_cache() -> None:
    """/api/check keeps its trace in the app's one cache (``app.state.derived``), the pages'
    own: a script checking every step of a scenario traces it once, and an explorer page of
    the same scenario finds it there."""
    from unittest import mock

    import app.caches
    from app.main import create_app
    from app.settings import Settings

    with TestClient(create_app(Settings())) as c:
        derived = c.app.state.derived  # type: ignore[attr-defined]
        with mock.patch.object(app.caches, "trace", wraps=app.caches.trace) as traced:
            answers = [c.post("/api/check", json=body(at=k, answer="0.5")) for k in range(4)]
            assert [r.status_code for r in answers] == [200] * 4
            assert traced.call_count == 1 and len(derived) == 1
            assert c.get("/explore/sigmoid-2-2-2?at=3").status_code == 200
            # the same trace; beside it, the page's parts kept for a step's answer
            assert traced.call_count == 1 and len(derived) == 2
            layer = c.post(
                "/api/check", json=body(at=1, granularity="layer", cell=[0, 0], answer="0.5")
            )
            assert layer.status_code == 200 and traced.call_count == 2
