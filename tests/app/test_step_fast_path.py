"""/api/step's lean path: served ahead of FastAPI's routing, an answer built from plain lists,
and an engine that trusts the numbers the schema checked. Each must answer exactly as before."""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.api.schemas import GradientsOut, ScenarioModel, StepOut
from app.settings import Settings
from engine import PRESETS, EngineError, Scenario, step

PRESET_IDS = list(PRESETS)


def expected_step_bytes(doc: dict[str, Any]) -> bytes:
    """The answer as the documented response model serialises it."""
    r = step(Scenario.from_dict(doc))
    return (
        StepOut(
            scenario=r.after.to_dict(),
            loss_before=r.loss_before,
            loss_after=r.loss_after,
            gradients=GradientsOut(
                weights=[g.tolist() for g in r.backward.weight_grads],
                biases=[g.tolist() for g in r.backward.bias_grads],
            ),
        )
        .model_dump_json()
        .encode()
    )


@pytest.mark.parametrize("pid", PRESET_IDS)
def test_step_answer_is_the_response_models_bytes(client: TestClient, pid: str) -> None:
    doc = PRESETS[pid].load().to_dict()
    for d in (doc, PRESETS[pid].scenario, {k: v for k, v in doc.items() if k != "labels"}):
        r = client.post("/api/step", json=d)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.content == expected_step_bytes(d)
        assert "app;dur=" in r.headers["server-timing"]
        assert r.headers["x-content-type-options"] == "nosniff"


def test_step_is_documented_as_before(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/step"]
    assert list(op) == ["post"]
    post = op["post"]
    body = post["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ScenarioModel"}
    assert "sigmoid-2-2-2" in body["examples"]
    ok = post["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/StepOut"}
    assert set(post["responses"]) == {"200", "413", "422"}


def test_step_other_methods_and_paths(client: TestClient) -> None:
    r = client.get("/api/step")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["detail"][0]["type"] == "method_not_allowed"
    r = client.post("/api/step/", json={}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"].endswith("/api/step")


def test_step_under_a_root_path() -> None:
    doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    with TestClient(create_app(Settings(root_path="/backprop"))) as c:
        r = c.post("/api/step", json=doc)
        assert r.status_code == 200 and r.content == expected_step_bytes(doc)


def test_step_errors_keep_their_form(client: TestClient) -> None:
    doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    r = client.post("/api/step", json={**doc, "learning_rate": True})
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body", "learning_rate"] and err["type"] == "float_type"
    r = client.post("/api/step", json={**doc, "weights": [[[0.1, 0.2]], doc["weights"][1]]})
    assert r.json() == {
        "detail": [
            {"loc": ["body", "weights", 0], "msg": "must have 2 rows, got 1", "type": "value_error"}
        ]
    }
    r = client.post("/api/step", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][0] == "body"


# -- the engine trusting the schema's numbers ------------------------------------------------


def schema_doc(doc: dict[str, Any]) -> dict[str, Any]:
    return ScenarioModel.model_validate(doc).to_engine_dict()


def same(a: Scenario, b: Scenario) -> None:
    assert a.to_dict() == b.to_dict()
    for x, y in zip(
        (*a.weights, *a.biases, a.inputs, a.targets),
        (*b.weights, *b.biases, b.inputs, b.targets),
        strict=True,
    ):
        assert x.dtype == y.dtype == np.float64 and x.shape == y.shape
        assert not x.flags.writeable and not y.flags.writeable
        assert np.array_equal(x, y)


@pytest.mark.parametrize("pid", PRESET_IDS)
def test_checked_numbers_give_the_same_scenario(pid: str) -> None:
    rnd = random.Random(pid)
    doc = PRESETS[pid].load().to_dict()
    for _ in range(20):
        d = copy.deepcopy(doc)
        for key in ("weights", "biases", "inputs", "targets"):
            d[key] = _jitter(d[key], rnd)
        d["targets"] = _jitter(d["targets"], rnd, 0.0, 1.0)
        try:
            full = Scenario.from_dict(d)
        except EngineError as e:  # e.g. targets a bce loss refuses: refused alike
            with pytest.raises(EngineError) as checked:
                Scenario.from_dict(schema_doc(d), numbers_checked=True)
            assert (checked.value.loc, checked.value.message) == (e.loc, e.message)
            continue
        same(Scenario.from_dict(schema_doc(d), numbers_checked=True), full)


def _jitter(x: Any, rnd: random.Random, lo: float = -1e6, hi: float = 1e6) -> Any:
    if isinstance(x, list):
        return [_jitter(v, rnd, lo, hi) for v in x]
    return rnd.choice([rnd.uniform(lo, hi), rnd.uniform(-2, 2), rnd.randint(-3, 3), x])


SHAPES: list[tuple[str, Any]] = [
    ("weights", [[[0.1, 0.2], [0.3]], [[0.4, 0.5], [0.45, 0.55]]]),
    ("weights", [[[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]], [[0.4, 0.5], [0.45, 0.55]]]),
    ("weights", [[[0.1, 0.2]], [[0.4, 0.5], [0.45, 0.55]]]),
    ("weights", [[[0.1, 0.2], [0.3, 0.4]]]),
    ("weights", [[[0.1, 0.2], [0.3, 0.4]], [[0.4, 0.5], []]]),
    ("biases", [[0.35], [0.6, 0.6]]),
    ("biases", [[0.35, 0.35, 0.35], [0.6, 0.6]]),
    ("inputs", [[0.05, 0.1], [0.2]]),
    ("inputs", [[0.05]]),
    ("targets", [[0.01, 0.99], [0.5, 0.5]]),
    ("targets", [[0.01]]),
    ("labels", {"weights": [[["w1", "w3"], ["w2"]], [["w5", "w7"], ["w6", "w8"]]]}),
    ("labels", {"weights": [[["w1", "w3"], ["w2", "w4"]]]}),
    ("labels", {"biases": [["b1", "b1"], ["b2"]], "neurons": [["a", "b"], ["c", "d"], ["e", "f"]]}),
    ("labels", {"neurons": [["a", "b"], ["c", "d"], ["e", "f", "g"]], "net": "z", "out": "a"}),
    ("labels", {"neurons": [["a", "b"], ["c", "d"], ["e", "x" * 25]]}),
    ("labels", {"net": "x" * 25}),
]


@pytest.mark.parametrize(("key", "value"), SHAPES)
def test_checked_numbers_still_check_shapes_alike(key: str, value: Any) -> None:
    doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    doc[key] = value
    with pytest.raises(EngineError) as full:
        Scenario.from_dict(doc)
    try:
        checked_doc = schema_doc(doc)
    except ValueError:  # the schema refuses it first (a label over 24 characters)
        return
    with pytest.raises(EngineError) as checked:
        Scenario.from_dict(checked_doc, numbers_checked=True)
    assert (checked.value.loc, checked.value.message) == (full.value.loc, full.value.message)
    assert full.value.loc[0] == key


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


def test_a_bug_in_step_answers_500_with_the_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.api.routes

    def broken(s: Scenario) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.api.routes, "step", broken)
    doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as c:
        r = c.post("/api/step", json=doc)
    assert r.status_code == 500 and r.text == "Internal Server Error"
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_step_body_limit() -> None:
    with TestClient(create_app(Settings(max_body_bytes=100))) as c:
        doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
        r = c.post("/api/step", json=doc)
    assert r.status_code == 413 and r.json()["detail"][0]["type"] == "too_large"
