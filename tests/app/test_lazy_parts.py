"""A large network's edit fields and table of values load when they are opened
(app/explorer/lazy.py): the page holds a closed part that asks for them, htmx gets them alone,
and a page without JavaScript finds them on a page of their own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.explorer.lazy import LAZY_PARAMS
from app.explorer.state import loaded_state, url
from tests.load.heavy import heavy_scenario

HX = {"HX-Request": "true"}


def test_a_large_networks_page_holds_its_edit_fields_and_tables_closed(
    client: TestClient,
) -> None:
    state = loaded_state(heavy_scenario(1, 1))
    assert state.scenario.n_params >= LAZY_PARAMS
    html = client.get(url(state, 3)).text
    assert 'id="f-w-0-0-0"' not in html and 'id="values-note"' not in html
    assert "<caption>Weights</caption>" not in html
    for part in ("edit", "table"):
        start = html.index(f'id="lazy-{part}"')
        details = html[html.rindex("<details", 0, start) : html.index("</details>", start)]
        assert f'hx-get="/explore/part/{part}?s=' in details
        assert 'hx-trigger="toggle once"' in details and 'hx-target="find .lazy-body"' in details
        assert f'href="/explore/part/{part}?s=' in details  # the way in without JavaScript
    assert 'id="edit-form"' in html  # the form the fields load into


def test_the_parts_come_alone_to_htmx_and_as_a_page_otherwise(client: TestClient) -> None:
    state = loaded_state(heavy_scenario(1, 1))
    s = state.encode()
    fields = client.get("/explore/part/edit", params={"s": s}, headers=HX)
    assert fields.status_code == 200 and "<html" not in fields.text
    assert 'id="f-w-0-0-0"' in fields.text and 'id="edit-form"' not in fields.text
    tables = client.get("/explore/part/table", params={"s": s}, headers=HX)
    assert "<caption>Weights</caption>" in tables.text and "<html" not in tables.text
    page = client.get("/explore/part/edit", params={"s": s, "at": "4"})
    assert "<html" in page.text and 'id="f-w-0-0-0"' in page.text
    assert 'action="/explore/edit"' in page.text and 'name="at" value="4"' in page.text
    assert 'href="/explore?s=' in page.text  # back to the explorer
    page = client.get("/explore/part/table", params={"s": s})
    assert "<caption>Weights</caption>" in page.text and "<details open>" in page.text


def test_a_small_networks_page_holds_them_as_before(client: TestClient) -> None:
    html = client.get("/explore/sigmoid-2-2-2").text
    assert 'id="f-w-0-0-0"' in html and "<caption>Weights</caption>" in html
    assert "lazy-part" not in html


def test_a_part_that_is_not_there_or_a_bad_state_is_refused(client: TestClient) -> None:
    assert client.get("/explore/part/nothing", params={"s": "x"}).status_code == 404
    assert client.get("/explore/part/edit", params={"s": "not a state"}).status_code == 400
    assert client.get("/explore/part/edit").status_code == 400
