"""A page's link ↔ the API's body, and the share panel's export links."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from app.explorer.codec import VERSION
from app.explorer.state import preset_state


def test_a_pages_link_gives_its_scenario_and_a_scenario_gives_a_link(client: TestClient) -> None:
    doc = client.get("/api/presets/linear-2-2-1").json()
    doc["weights"][0][0][0] = 0.1 + 0.2
    made = client.post("/api/scenario/link", json=doc)
    assert made.status_code == 200
    assert made.json()["url"].startswith(f"/explore?s={VERSION}.")
    back = client.get("/api/scenario", params={"s": made.json()["s"]})
    assert back.status_code == 200
    assert back.json() == doc  # bit for bit: 0.30000000000000004 comes back as itself
    page = client.get(made.json()["url"])
    assert page.status_code == 200 and "explorer" in page.text
    step = client.post("/api/step", json=back.json())
    assert step.status_code == 200


def test_a_preset_pages_state_reads_back_as_the_preset(client: TestClient) -> None:
    s = preset_state("sigmoid-2-2-2").encode()
    assert (
        client.get("/api/scenario", params={"s": s}).json()
        == client.get("/api/presets/sigmoid-2-2-2").json()
    )


def test_a_bad_link_or_body_is_a_422_naming_the_field(client: TestClient) -> None:
    bad = client.get("/api/scenario", params={"s": "1.broken"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "s"]
    missing = client.get("/api/scenario")
    assert missing.status_code == 422
    body = client.post("/api/scenario/link", json={"layers": [2, 1]})
    assert body.status_code == 422
    assert body.json()["detail"][0]["loc"][0] == "body"


def test_the_share_panel_links_every_export_of_this_state(client: TestClient) -> None:
    page = client.get("/explore/sigmoid-2-2-2")
    assert page.status_code == 200
    links = dict(re.findall(r'id="(export-[a-z]+)" href="([^"]+)"', page.text))
    assert set(links) == {
        "export-numpy",
        "export-torch",
        "export-csv",
        "export-worked",
        "export-tex",
    }
    for name, href in links.items():
        r = client.get(unescape(href))
        assert r.status_code == 200, href
        if name != "export-worked":  # the handout opens as a page; the rest are files
            assert r.headers["content-disposition"].startswith("attachment"), href
