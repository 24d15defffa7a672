"""A large network's edit grid and table of values, and a large layer's update weight by
weight, load when they are opened (app/explorer/on_demand.py, lazy.py): the page holds a closed
part that asks for them, htmx gets them alone, a page without JavaScript finds them on a page of
their own, and a part the page has open stays open when the explorer is answered whole (the
step's own part: when a step answers it)."""

from __future__ import annotations

import re
from dataclasses import replace

from fastapi.testclient import TestClient

from app.explorer.on_demand import LAZY_PARAMS, LAZY_ROWS
from app.explorer.state import PageState, loaded_state, preset_state, url
from app.render.formatting import css_class, number
from engine import trace
from tests.load.heavy import heavy_scenario

HX = {"HX-Request": "true"}


def _details(html: str, part: str) -> str:
    start = html.index(f'id="lazy-{part}"')
    return html[html.rindex("<details", 0, start) : html.index("</details>", start)]


def _start(html: str, part: str) -> str:
    details = _details(html, part)
    return details[: details.index(">") + 1]


def _heavy() -> str:
    state = loaded_state(heavy_scenario(1, 1))
    assert state.scenario.n_params >= LAZY_PARAMS
    return state.encode()


def test_a_large_networks_page_holds_its_edit_grid_and_tables_closed(client: TestClient) -> None:
    state = loaded_state(heavy_scenario(1, 1))
    html = client.get(url(state, 3)).text
    assert 'id="f-w-0-0-0"' not in html and 'id="values-note"' not in html
    assert "<caption>Weights</caption>" not in html
    for part in ("edit", "table"):
        details = _details(html, part)
        assert f'hx-get="/explore/part/{part}" hx-include="#nav"' in details  # #nav holds s
        assert " open" not in _start(html, part)
        assert 'hx-trigger="toggle once"' in details and 'hx-target="find .lazy-body"' in details
        assert 'hx-sync="this:drop"' in details  # not the explorer's lock: never dropped by a step
        # without JavaScript: the form "act" (its state, its step kept current by a step)
        assert f'form="act" formaction="/explore/part/{part}" formmethod="get"' in details
        assert "?s=" not in details  # the state is not written once more
        assert f'role="status" id="lazy-{part}-status"' in details
    assert 'id="edit-form"' in html  # the form the fields load into
    assert 'id="f-learning_rate"' in html and 'id="f-loss"' in html  # the rule stays in the page


def test_the_parts_come_alone_to_htmx_and_as_a_page_otherwise(client: TestClient) -> None:
    s = _heavy()
    fields = client.get("/explore/part/edit", params={"s": s}, headers=HX)
    assert fields.status_code == 200 and "<html" not in fields.text
    assert 'id="f-w-0-0-0"' in fields.text and 'id="edit-form"' not in fields.text
    assert 'id="f-learning_rate"' not in fields.text  # the rule is in the page already
    assert '<span id="lazy-edit-status" hx-swap-oob="innerHTML">' in fields.text
    tables = client.get("/explore/part/table", params={"s": s}, headers=HX)
    assert "<caption>Weights</caption>" in tables.text and "<html" not in tables.text
    assert 'id="lazy-table-status"' in tables.text
    page = client.get("/explore/part/edit", params={"s": s, "at": "4"})
    assert "<html" in page.text and 'id="f-w-0-0-0"' in page.text
    assert 'action="/explore/edit"' in page.text and 'name="at" value="4"' in page.text
    assert 'id="f-learning_rate"' in page.text
    assert "hx-post" not in page.text  # a plain form: the page has no #explorer to swap
    assert 'form="act"' not in page.text  # the architecture's buttons need the explorer's form
    assert 'href="/explore?s=' in page.text  # back to the explorer
    page = client.get("/explore/part/table", params={"s": s})
    assert "<caption>Weights</caption>" in page.text and "<details open>" in page.text


def test_an_open_part_stays_open_and_filled_when_the_explorer_is_answered_whole(
    client: TestClient,
) -> None:
    s = _heavy()
    heads = {**HX, "HX-Explorer-Open": "edit table"}
    r = client.post(
        "/explore/edit", data={"s": s, "at": "3", "learning_rate": "0.25"}, headers=heads
    )
    assert r.status_code == 200 and "hx-explorer-open" in r.headers["vary"].lower()
    for part in ("edit", "table"):
        assert _start(r.text, part).endswith(" open>") and "hx-get" not in _start(r.text, part)
    assert 'id="f-w-0-0-0"' in r.text and "<caption>Weights</caption>" in r.text
    only = client.post(
        "/explore/edit",
        data={"s": s, "at": "3", "learning_rate": "0.25"},
        headers={**HX, "HX-Explorer-Open": "table nonsense"},
    )
    assert 'id="f-w-0-0-0"' not in only.text and "<caption>Weights</caption>" in only.text


def test_a_page_after_a_step_holds_its_parts_closed(client: TestClient) -> None:
    # the fragments kept while stepping (View.cached) follow the cursor and the open parts here
    state = loaded_state(heavy_scenario(1, 1))
    steps = {**HX, "HX-Trigger": "nav", "HX-Explorer-Holds": "page"}
    client.get("/explore", params={"s": state.encode(), "at": "6", "shown": "5"}, headers=steps)
    opened = client.get(url(state, 5), headers={**HX, "HX-Explorer-Open": "table"}).text
    assert _start(opened, "table").endswith(" open>")
    page = client.get(url(state, 5)).text
    assert '<input type="hidden" name="at" value="5">' in page  # the form "act" the parts use
    for part in ("edit", "table"):
        assert "at=" not in _details(page, part) and " open" not in _start(page, part)


def test_a_step_answered_by_its_parts_renders_no_open_part(client: TestClient) -> None:
    s = _heavy()
    heads = {**HX, "HX-Trigger": "nav", "HX-Explorer-Holds": "page", "HX-Explorer-Open": "edit"}
    r = client.get("/explore", params={"s": s, "at": "4", "shown": "3"}, headers=heads)
    assert r.headers.get("HX-Reswap") == "none"
    assert 'id="f-w-0-0-0"' not in r.text and 'id="lazy-edit"' not in r.text


def test_a_small_networks_page_holds_them_as_before(client: TestClient) -> None:
    html = client.get("/explore/sigmoid-2-2-2").text
    assert 'id="f-w-0-0-0"' in html and "<caption>Weights</caption>" in html
    assert "lazy-part" not in html


def test_a_part_that_is_not_there_or_a_bad_state_is_refused(client: TestClient) -> None:
    assert client.get("/explore/part/nothing", params={"s": "x"}).status_code == 404
    assert client.get("/explore/part/edit", params={"s": "not a state"}).status_code == 400
    assert client.get("/explore/part/edit").status_code == 400


def test_a_refused_edit_shows_the_fields_with_its_message_beside_its_field(
    client: TestClient,
) -> None:
    s = _heavy()
    r = client.post("/explore/edit", data={"s": s, "at": "3", "w-0-0-0": "abc"}, headers=HX)
    assert r.status_code == 422 and _start(r.text, "edit").endswith(" open>")
    assert 'id="f-w-0-0-0"' in r.text and 'id="e-w-0-0-0"' in r.text
    rule = client.post("/explore/edit", data={"s": s, "at": "3", "learning_rate": "x"}, headers=HX)
    assert rule.status_code == 422 and 'id="e-learning_rate"' in rule.text
    assert 'id="f-w-0-0-0"' not in rule.text  # the rule's field is outside the grid


def test_the_largest_edit_form_posts_every_field(client: TestClient) -> None:
    """A browser posts every field of the loaded grid: 1,921 on the 8 × 16 network, over
    Starlette's default of 1,000 (refused with 400 before)."""
    state = loaded_state(heavy_scenario(1, 1))
    grid = client.get("/explore/part/edit", params={"s": state.encode()}, headers=HX).text
    names = re.findall(r'<input id="f-[^"]+" name="([^"]+)"[^>]*value="([^"]*)"', grid)
    assert len(names) >= 1_900
    data = {**dict(names), "s": state.encode(), "at": "3", "w-0-0-0": "0.5"}
    r = client.post("/explore/edit", data=data, headers=HX)
    assert r.status_code == 200 and "changed by you" in r.text


# -- a large layer's update, weight by weight (a step's own part) ---------------------------------

STEP = {**HX, "HX-Trigger": "nav", "HX-Explorer-Holds": "page"}


def _layer_update() -> tuple[PageState, int]:
    """The 8 × 16 network at layer granularity, and its first weight update (256 rows)."""
    state = replace(loaded_state(heavy_scenario(1, 1)), granularity="layer", precision=9)
    steps = trace(state.scenario, "layer").steps
    at = next(s.index for s in steps if len(s.factors) > LAZY_ROWS)
    return state, at


def test_a_large_layers_update_holds_its_table_weight_by_weight_closed(client: TestClient) -> None:
    state, at = _layer_update()
    html = client.get(url(state, at)).text
    details = _details(html, "factors")
    assert " open" not in _start(html, "factors") and "Factor 1: " not in html
    assert f'hx-get="/explore/part/factors?at={at}" hx-include="#nav"' in details  # #nav: s
    assert 'hx-trigger="toggle once"' in details and 'hx-sync="this:drop"' in details
    assert "The step, weight by weight (256 rows)" in details
    assert 'form="act" formaction="/explore/part/factors" formmethod="get"' in details  # no JS
    assert 'role="status" id="lazy-factors-status"' in details
    # a bias update's 16 rows, and a small network's update, stay in the page
    assert 'id="lazy-factors"' not in client.get(url(state, at + 1)).text
    small = replace(preset_state("sigmoid-2-2-2"), granularity="layer")
    last = client.get(url(small, 14)).text
    assert "Factor 4: " in last and "lazy-part" not in last


def test_the_table_weight_by_weight_comes_alone_to_htmx_and_as_a_page_otherwise(
    client: TestClient,
) -> None:
    state, at = _layer_update()
    step = trace(state.scenario, "layer").steps[at]
    params = {"s": state.encode(), "at": str(at)}
    part = client.get("/explore/part/factors", params=params, headers=HX).text
    assert "<html" not in part and part.count('<tr><th scope="row">') == len(step.factors)
    assert '<span id="lazy-factors-status" hx-swap-oob="innerHTML">256 rows loaded.' in part
    first = step.factors[0]
    assert f'<td class="num {css_class(first.value)}">{number(first.value, 9)}</td>' in part
    page = client.get("/explore/part/factors", params=params)
    assert "<html" in page.text and f"step {at + 1} of" in page.text
    assert page.text.count("Factor 256: ") == 1 and 'id="lazy-factors"' not in page.text
    assert f'href="{url(state, at)}"'.replace("&", "&amp;") in page.text  # back to its step
    none = client.get("/explore/part/factors", params={"s": state.encode(), "at": "3"})
    assert none.status_code == 404 and "no table of factors" in none.text


def test_a_step_sends_the_part_whole_open_when_the_page_has_it_open(client: TestClient) -> None:
    state, at = _layer_update()
    s = state.encode()
    closed = client.get("/explore", params={"s": s, "at": at, "shown": at - 1}, headers=STEP)
    assert closed.headers["HX-Reswap"] == "none"
    # its place in the step panel (a stub) and then the part, whole, closed: Factor rows stay out
    assert '<i id="lazy-factors"></i>' in closed.text and "Factor 1: " not in closed.text
    assert '<details hx-swap-oob="true" class="lazy-part" id="lazy-factors" hx-get=' in closed.text
    opened = client.get(
        "/explore",
        params={"s": s, "at": at, "shown": at - 1},
        headers={**STEP, "HX-Explorer-Open": "factors edit"},
    )
    assert '<details hx-swap-oob="true" class="lazy-part" id="lazy-factors" open>' in opened.text
    assert opened.text.count("Factor 256: ") == 1 and 'id="f-w-0-0-0"' not in opened.text
    assert opened.text.index('<i id="lazy-factors">') < opened.text.index("Factor 1: ")
    # the page of that address, asked with the part open, holds the same part
    page = client.get(url(state, at), headers={**HX, "HX-Explorer-Open": "factors"}).text
    assert _details(page, "factors") in opened.text.replace(' hx-swap-oob="true"', "")
    # to a step without it: its place goes, and no part is sent
    on = client.get(
        "/explore",
        params={"s": s, "at": at + 1, "shown": at},
        headers={**STEP, "HX-Explorer-Open": "factors"},
    )
    assert 'id="lazy-factors"' not in on.text and "Factor 1: " not in on.text
