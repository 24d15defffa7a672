"""A page's link ↔ the REST API's body, for scripts: the ``s`` of an explorer link holds the
whole page state, compressed; these calls give its scenario, and a link for a scenario.

    GET  /api/scenario?s=…      the scenario of a page's link (the body /api/step takes)
    POST /api/scenario/link     a scenario body → {s, url}: the explorer opened on it
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from ..api.routes import SCENARIO_BODY, VALIDATION_ERROR
from ..api.schemas import ScenarioModel
from ..errors import error_detail
from ..explorer import pages
from ..explorer.codec import MAX_ENCODED, StateError
from ..explorer.state import load, loaded_state
from .source import body_scenario

router = APIRouter(prefix="/api", tags=["export"])


@router.get(
    "/scenario",
    response_model=ScenarioModel,
    responses=VALIDATION_ERROR,
    summary="The scenario of a page's link",
    operation_id="scenario_of_link",
)
def scenario_of_link(
    s: str = Query(description="The `s` parameter of an explorer link (/explore?s=…)"),
) -> dict[str, Any]:
    try:
        state = load(s)
    except StateError as e:
        raise HTTPException(422, error_detail(["query", "s"], str(e), "value_error")) from None
    return state.scenario.to_dict()


@router.post(
    "/scenario/link",
    openapi_extra=SCENARIO_BODY,
    responses=VALIDATION_ERROR,
    summary="A link to the explorer opened on a scenario",
    operation_id="link_of_scenario",
)
async def link_of_scenario(request: Request) -> dict[str, str]:
    scenario = await body_scenario(request)
    s = await run_in_threadpool(lambda: loaded_state(scenario).encode())  # compressing: a thread
    if len(s) > MAX_ENCODED // 2:  # the explorer's own limit for a loaded scenario
        msg = "this scenario is valid but too large for the explorer's links"
        raise HTTPException(422, error_detail(["body"], msg, "too_large"))
    return {"s": s, "url": pages.root(request) + "/explore?" + urlencode({"s": s})}
