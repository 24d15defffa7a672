"""The JSON API (docs/DESIGN.md's table). Validation failures, from pydantic or the engine, answer
422 with the field's path and the rule; the engine does all the math."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated, Any

import numpy as np
import pydantic_core
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from engine import (
    PRESETS,
    EngineError,
    Scenario,
    backward,
    forward,
    gradcheck,
    sample_history,
    step,
    trace,
    train,
)
from engine.expr import to_text
from engine.limits import DEFAULT_LIMITS as LIM
from engine.practice import check_trace
from engine.propagation import Backward, Forward

from ..caches import DerivedCache
from ..errors import refuse
from ..metrics import engine_time
from ..settings import Settings
from .schemas import (
    EXAMPLE,
    BackwardOut,
    CheckIn,
    CheckOut,
    ForwardOut,
    GradCheckOut,
    GradientsOut,
    PresetSummary,
    ScenarioModel,
    StepOut,
    TraceIn,
    TraceOut,
    TrainIn,
    TrainOut,
)

router = APIRouter(
    prefix="/api",
    responses={413: {"description": "The request body is over the size limit (MAX_BODY_BYTES)."}},
)
HISTORY_POINTS = 300

# The scenario endpoints read their body themselves (``scenario_body``): pydantic parses and
# validates the JSON in one pass in Rust (model_validate_json), a third of the time of FastAPI's
# body handling; the request body is still documented, and errors keep FastAPI's 422 shape.
SCENARIO_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ScenarioModel"},
                "examples": {"sigmoid-2-2-2": {"summary": "Document 003", "value": EXAMPLE}},
            }
        },
    }
}
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}
NOT_JSON: dict[int | str, dict[str, Any]] = {
    415: {"description": "The body is not declared as application/json", "content": ERROR_BODY}
}
VALIDATION_ERROR: dict[int | str, dict[str, Any]] = {
    **NOT_JSON,
    422: {
        "description": "Validation Error: the field and the rule broken",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    },
}


def operation_id(route: APIRoute) -> str:
    """A route's operation id, the method name of a client generated from /openapi.json: its
    own ``operation_id`` when set, else the endpoint's name less ``api_``."""
    return route.operation_id or route.name.removeprefix("api_")


def require_json(request: Request) -> None:
    """415 unless the body says it is JSON: a text/plain or form body is what any web page can
    make its visitors' browsers send here (a CORS-simple POST), to spend this server's CPU."""
    sent = request.headers.get("content-type", "")
    kind = sent.partition(";")[0].strip().lower()
    if kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return
    got = f"got {sent[:60]!r}" if sent else "none was given"
    raise refuse(
        415,
        ["header", "content-type"],
        f"must be application/json (the body is a JSON document); {got}",
        "unsupported_media_type",
    )


async def scenario_body(request: Request) -> ScenarioModel:
    """The scenario in the request body, or a 415 (not JSON) or a 422 naming the field and the
    rule. Parsing only: the engine's work runs in the route, off the event loop."""
    require_json(request)
    try:
        return ScenarioModel.model_validate_json(await request.body())
    except ValidationError as e:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        ) from None


ScenarioBody = Annotated[ScenarioModel, Depends(scenario_body)]


def engine_scenario(model: ScenarioModel, loc: tuple[str, ...] = ("body",)) -> Scenario:
    """The engine's scenario, or a 422 naming the field the engine refused (shapes, names,
    combinations, target ranges: what the schema cannot say)."""
    try:
        return Scenario.from_dict(model.to_engine_dict())
    except EngineError as e:
        raise unprocessable(e, loc) from None


def unprocessable(e: EngineError, prefix: tuple[str, ...] = ("body",)) -> HTTPException:
    return refuse(422, [*prefix, *e.loc], e.message, "value_error")


OVERFLOW = (
    "the numbers overflow: some net input, output or loss is beyond float64 "
    "(make the weights, inputs or learning rate smaller)"
)


def _finite(*arrays: Any) -> None:
    for a in arrays:
        if not np.isfinite(np.asarray(a, dtype=np.float64)).all():
            raise unprocessable(EngineError(OVERFLOW), ("body",))


def _flat(matrices: list[list[list[float]]], vectors: list[list[float]]) -> list[float]:
    """The numbers of weights- and biases-shaped lists (from ``tolist``), in one list: checked
    in plain Python, a small network's are several times quicker than a NumPy call per array."""
    flat = [v for m in matrices for row in m for v in row]
    flat += [v for row in vectors for v in row]
    return flat


def _finite_within(numbers: list[float], limit: float = math.inf) -> bool:
    """Every number finite and within ±limit."""
    return all(map(math.isfinite, numbers)) and max(map(abs, numbers), default=0.0) <= limit


def plain_json(content: Any) -> Response:
    """Plain lists and dicts serialised in one pass by pydantic-core: the same bytes as a
    model's ``model_dump_json`` (shortest round-trip floats: float64 exact), no validation."""
    return Response(pydantic_core.to_json(content), media_type="application/json")


def json_response(model: BaseModel) -> Response:
    """Serialise once, in pydantic-core (shortest round-trip floats: float64 exact); the
    response_model still documents the shape."""
    return Response(model.model_dump_json(), media_type="application/json")


def _forward_out(f: Forward) -> dict[str, Any]:
    _finite(f.loss, *f.net_inputs, *f.activations)
    return {
        "net_inputs": [z.tolist() for z in f.net_inputs],
        "activations": [a.tolist() for a in f.activations],
        "outputs": f.outputs.tolist(),
        "loss": f.loss,
        "sample_losses": f.sample_losses.tolist(),
    }


def _gradients(b: Backward) -> GradientsOut:
    _finite(*b.weight_grads, *b.bias_grads)
    return GradientsOut(
        weights=[g.tolist() for g in b.weight_grads], biases=[g.tolist() for g in b.bias_grads]
    )


@router.get(
    "/presets",
    operation_id="presets",
    tags=["presets"],
    response_model=list[PresetSummary],
    summary="The documents' examples",
)
async def list_presets() -> list[PresetSummary]:
    return [
        PresetSummary(id=p.id, title=p.title, document=p.document, description=p.description)
        for p in PRESETS.values()
    ]


@router.get(
    "/presets/{preset_id}",
    response_model=ScenarioModel,
    operation_id="preset",
    tags=["presets"],
    summary="One example's scenario",
    responses={
        404: {
            "description": "No such preset: `detail` names it, as a validation error does",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
            },
        }
    },
)
async def get_preset_scenario(preset_id: str) -> dict[str, Any]:
    if preset_id not in PRESETS:
        known = ", ".join(PRESETS)
        msg = f"unknown preset {preset_id!r}; known: {known}"
        raise refuse(404, ["path", "preset_id"], msg, "not_found")
    return PRESETS[preset_id].load().to_dict()


@router.post(
    "/forward",
    openapi_extra=SCENARIO_BODY,
    responses=VALIDATION_ERROR,
    response_model=ForwardOut,
    operation_id="forward",
    tags=["propagation"],
    summary="Forward pass and loss",
)
def api_forward(scenario: ScenarioBody) -> Response:
    s = engine_scenario(scenario)
    with engine_time("forward"):
        f = forward(s)
    return json_response(ForwardOut(**_forward_out(f)))


@router.post(
    "/backward",
    openapi_extra=SCENARIO_BODY,
    responses=VALIDATION_ERROR,
    response_model=BackwardOut,
    operation_id="backward",
    tags=["propagation"],
    summary="Forward pass, deltas and gradients",
)
def api_backward(scenario: ScenarioBody) -> Response:
    s = engine_scenario(scenario)
    with engine_time("backward"):
        f, b = backward(replace(s, update_order="simultaneous"))
    out = _forward_out(f)
    out["gradients"] = _gradients(b)
    _finite(*b.deltas)
    out["deltas"] = [d.tolist() for d in b.deltas]
    return json_response(BackwardOut(**out))


@router.post(
    "/step",
    openapi_extra=SCENARIO_BODY,
    responses=VALIDATION_ERROR,
    response_model=StepOut,
    operation_id="step",
    tags=["training"],
    summary="One gradient-descent update",
)
def api_step(scenario: ScenarioBody) -> Response:
    # The call a script makes in a loop: the answer is built from plain lists, checked in
    # Python and serialised once (StepOut's shape, without validating it again).
    s = engine_scenario(scenario)
    with engine_time("step"):
        result = step(s)
    weight_grads = [g.tolist() for g in result.backward.weight_grads]
    bias_grads = [g.tolist() for g in result.backward.bias_grads]
    if not _finite_within(_flat(weight_grads, bias_grads)):
        raise unprocessable(EngineError(OVERFLOW))
    after = result.after.to_dict()
    if not _finite_within(_flat(after["weights"], after["biases"]), LIM.max_abs_value):
        raise unprocessable(
            EngineError(
                f"this update takes a weight or bias beyond ±{LIM.max_abs_value:g}: the run "
                "diverges; make the learning rate smaller",
                ("learning_rate",),
            )
        )
    if not (math.isfinite(result.loss_before) and math.isfinite(result.loss_after)):
        raise unprocessable(EngineError(OVERFLOW))
    return plain_json(
        {
            "scenario": after,
            "loss_before": result.loss_before,
            "loss_after": result.loss_after,
            "gradients": {"weights": weight_grads, "biases": bias_grads},
        }
    )


@router.post(
    "/train",
    dependencies=[Depends(require_json)],
    responses=NOT_JSON,
    response_model=TrainOut,
    operation_id="train",
    tags=["training"],
    summary="Train for up to N iterations",
)
def api_train(request: Request, body: TrainIn) -> Response:
    settings: Settings = request.app.state.settings
    if body.iterations > settings.max_train_iterations:
        raise unprocessable(
            EngineError(f"must be at most {settings.max_train_iterations}", ("iterations",)),
            ("body",),
        )
    s = engine_scenario(body.scenario, ("body", "scenario"))
    with engine_time("train"):
        result = train(s, body.iterations, body.stop_below, time_limit=settings.train_time_limit)
    its, losses = sample_history(result.losses, HISTORY_POINTS)
    if result.stopped_because == "diverged" and not np.isfinite(losses[0]):
        raise unprocessable(
            EngineError("the starting loss is already beyond float64: nothing to train"),
            ("body", "scenario"),
        )
    return json_response(
        TrainOut(
            scenario=result.scenario.to_dict(),
            iterations_run=result.iterations_run,
            losses=losses,
            loss_iterations=its,
            stopped_because=result.stopped_because,
        )
    )


def _granularity(settings: Settings, s: Scenario, asked: str | None) -> str:
    """The granularity asked, or the default: ``neuron`` when the batch allows it."""
    granularity = asked or ("neuron" if s.n_samples <= settings.max_trace_samples else "layer")
    if granularity == "neuron" and s.n_samples > settings.max_trace_samples:
        raise unprocessable(
            EngineError(
                f"neuron granularity takes at most {settings.max_trace_samples} samples; "
                "use layer granularity for bigger batches",
                ("granularity",),
            )
        )
    return granularity


@router.post(
    "/trace",
    dependencies=[Depends(require_json)],
    responses=NOT_JSON,
    response_model=TraceOut,
    operation_id="trace",
    tags=["propagation"],
    summary="The micro-steps of one iteration",
)
def api_trace(request: Request, body: TraceIn) -> Response:
    settings: Settings = request.app.state.settings
    s = engine_scenario(body.scenario, ("body", "scenario"))
    granularity = _granularity(settings, s, body.granularity)
    with engine_time("trace"):
        t = trace(s, granularity)
    _finite(t.forward.loss, *t.backward.weight_grads, *t.after.weights, *t.after.biases)
    # serialised here, in the thread pool: a big batch's answer is megabytes
    return plain_json(
        {
            "granularity": t.granularity,
            "steps": [
                {
                    "index": st.index,
                    "phase": st.phase,
                    "kind": st.kind,
                    "quantity": st.quantity,
                    "title": st.title,
                    "formula": to_text(st.formula),
                    "substituted": to_text(st.substituted),
                    "value": st.value,
                    "factors": [{"name": f.name, "value": f.value} for f in st.factors],
                    "neurons": [list(n) for n in st.neurons],
                    "weights": [list(w) for w in st.weights],
                    "biases": [list(b) for b in st.biases],
                }
                for st in t.steps
            ],
        }
    )


@router.post(
    "/gradcheck",
    openapi_extra=SCENARIO_BODY,
    responses=VALIDATION_ERROR,
    response_model=GradCheckOut,
    operation_id="gradcheck",
    tags=["propagation"],
    summary="Backprop against finite differences",
)
def api_gradcheck(scenario: ScenarioBody) -> Response:
    s = engine_scenario(scenario)
    with engine_time("gradcheck"):
        g = gradcheck(s)
    _finite(g.max_abs_error, *g.analytic_weights, *g.numeric_weights)
    out = GradCheckOut(
        analytic=GradientsOut(
            weights=[w.tolist() for w in g.analytic_weights],
            biases=[b.tolist() for b in g.analytic_biases],
        ),
        numeric=GradientsOut(
            weights=[w.tolist() for w in g.numeric_weights],
            biases=[b.tolist() for b in g.numeric_biases],
        ),
        max_abs_error=g.max_abs_error,
        max_rel_error=g.max_rel_error,
        eps=g.eps,
    )
    return json_response(out)


@router.post(
    "/check",
    operation_id="check",
    tags=["practice"],
    dependencies=[Depends(require_json)],
    responses=NOT_JSON,
    response_model=CheckOut,
    response_model_exclude_none=True,
    summary="Judge a learner's answer to one step, and name the mistake behind a wrong one",
)
def api_check(request: Request, body: CheckIn) -> dict[str, Any]:
    """Right when the exact value is within half a unit of the last decimal typed, with at
    least 3 significant digits (or exactly the value); a wrong answer that a known mistake
    gives comes with its diagnosis."""
    s = engine_scenario(body.scenario, ("body", "scenario"))
    granularity = _granularity(request.app.state.settings, s, body.granularity)
    cell = tuple(body.cell) if body.cell is not None else None
    derived: DerivedCache = request.app.state.derived  # the pages' cache: their traces too
    try:
        tr = derived.traced(s, granularity).trace
        with engine_time("check"):
            result = check_trace(tr, body.at, body.answer, cell)
    except EngineError as e:
        raise unprocessable(e) from None
    _finite(result.expected)
    out: dict[str, Any] = {
        "correct": result.correct,
        "quantity": result.quantity,
        "digits": result.digits,
        "too_few_digits": result.too_few_digits,
    }
    if body.reveal:
        out["expected"] = result.expected
    if result.diagnosis is not None:
        out["diagnosis"] = {"id": result.diagnosis.id, "message": result.diagnosis.message}
    return out
