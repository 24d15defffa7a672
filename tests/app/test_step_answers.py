"""A step's answer (app/explorer/partial.py): the parts a step changes, out of band, for a
step from a page that holds the explorer; the whole explorer otherwise; and the address
replaced by a step, pushed by any other change. What the page looks like after the swaps is
proven in a browser (tests/e2e/test_partial_clicks.py)."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient

from app.explorer.patch import patch
from app.explorer.state import preset_state, url

S = preset_state("sigmoid-2-2-2").encode()
STEP = {"HX-Request": "true", "HX-Trigger": "nav", "HX-Explorer-Holds": "page"}


def test_a_step_from_a_page_that_holds_the_explorer_answers_its_parts(client: TestClient) -> None:
    client.get("/explore/sigmoid-2-2-2?at=4")  # the page the step comes from
    r = client.get("/explore", params={"s": S, "at": "5", "shown": "4"}, headers=STEP)
    assert r.status_code == 200 and r.headers["hx-reswap"] == "none"
    assert r.headers["hx-replace-url"] == "/explore/sigmoid-2-2-2?at=5"
    assert "hx-push-url" not in r.headers
    assert 'id="explorer" class' not in r.text  # not the whole explorer
    assert (
        '<input hx-swap-oob="true" type="hidden" id="explorer-at" name="shown" value="5"' in r.text
    )
    assert 'id="step-counter"' in r.text and "step 6 of 37" in r.text
    assert 'hx-swap-oob="outerHTML:#explorer input[type=hidden][name=at]"' in r.text
    assert 'id="edit-form"' not in r.text and 'id="values-table"' not in r.text
    whole = client.get("/explore", params={"s": S, "at": "5"}, headers={"HX-Request": "true"})
    assert len(r.content) < len(whole.content) / 2


def test_a_step_that_cannot_say_what_changed_sends_its_parts_whole(client: TestClient) -> None:
    r = client.get("/explore", params={"s": S, "at": "7", "shown": "x"}, headers=STEP)
    assert r.headers["hx-reswap"] == "none"
    assert '<figure hx-swap-oob="true"' in r.text and '<section hx-swap-oob="true"' in r.text


def test_a_step_from_a_page_with_a_refusal_on_show_gets_the_whole_explorer(
    client: TestClient,
) -> None:
    headers = {k: v for k, v in STEP.items() if k != "HX-Explorer-Holds"}
    r = client.get("/explore", params={"s": S, "at": "5", "shown": "4"}, headers=headers)
    assert "hx-reswap" not in r.headers and 'id="explorer"' in r.text
    assert r.headers["hx-replace-url"] == "/explore/sigmoid-2-2-2?at=5"  # still a step


def test_any_other_change_pushes_its_address(client: TestClient) -> None:
    view = client.get(
        "/explore/view",
        params={"s": S, "at": "5", "granularity": "layer"},
        headers=STEP | {"HX-Trigger": "view"},
    )
    assert view.headers["hx-push-url"].startswith("/explore?s=") and "hx-reswap" not in view.headers
    reset = client.get(
        "/explore/sigmoid-2-2-2", headers={"HX-Request": "true", "HX-Trigger": "reset"}
    )
    assert reset.headers["hx-push-url"] == "/explore/sigmoid-2-2-2"


def test_a_page_without_a_refusal_asks_for_parts_and_one_with_a_refusal_does_not(
    client: TestClient,
) -> None:
    clean = client.get("/explore/sigmoid-2-2-2?at=3").text
    assert '''hx-headers='{"HX-Explorer-Holds": "page"}' hx-include="#explorer-at"''' in clean
    refused = client.post("/explore/edit", data={"s": S, "at": "3", "w-0-0-0": "abc"})
    assert refused.status_code == 422 and "HX-Explorer-Holds" not in refused.text


def test_a_patch_is_empty_when_nothing_changed_and_whole_when_the_element_did() -> None:
    old = '<div id="x" class="a"><p>1</p><p>2</p></div>'
    assert patch(old, old, "x") == ""
    assert patch(old, '<section id="x" class="a"><p>1</p></section>', "x").startswith(
        '<section hx-swap-oob="true" id="x" class="a">'
    )
    assert patch(old, '<div id="x" class="a">text<p>1</p><p>2</p></div>', "x").startswith(
        '<div hx-swap-oob="true" id="x"'
    )


def test_a_changed_attribute_travels_alone_in_an_attrs_swap() -> None:
    long = '<div id="x">' + "".join(f"<p>{'word ' * 20}{k}</p>" for k in range(20)) + "</div>"
    changed = long.replace(">word word", ' class="hl">word word', 1)
    assert patch(long, changed, "x") == '<p hx-swap-oob="attrs:#x > :nth-child(1)" class="hl"></p>'
    moved = long.replace('<div id="x">', '<div id="x" class="wide">')
    assert patch(long, moved, "x") == '<div hx-swap-oob="attrs:#x" id="x" class="wide"></div>'


def test_children_that_moved_are_ordered_again_not_sent_again() -> None:
    def edges(order: list[int], hl: int | None = None) -> str:
        kids = "".join(
            f'<g class="edge{" hl" if k == hl else ""}" data-edge="0-{k}">'
            f"<title>w{k}: {'long hover text ' * 5}</title></g>"
            for k in order
        )
        return f'<svg id="edges">{kids}</svg>'

    before, after = edges([0, 1, 2, 3, 4]), edges([0, 1, 3, 4, 2], hl=2)
    ops = patch(before, after, "edges")
    assert ops == (  # in a picture, as the browser reads SVG
        '<svg hidden><g hx-swap-oob="order:#edges" data-order="0-1 3-4 2"></g>'
        '<g hx-swap-oob="attrs:#edges > :nth-child(5)" class="edge hl" data-edge="0-2"></g></svg>'
    )
    back = patch(after, edges([0, 1, 2, 4]), "edges")  # one gone, one back in its place
    assert back.startswith('<svg hidden><g hx-swap-oob="order:#edges" data-order="0-1 4 3"></g>')


def test_a_step_sends_a_change_the_same_in_both_pictures_once(client: TestClient) -> None:
    client.get("/explore/sigmoid-2-2-2?at=0")
    r = client.get("/explore", params={"s": S, "at": "1", "shown": "0"}, headers=STEP)
    # the highlight leaves h1's bias link in the wide and the narrow picture alike
    assert r.text.count('hx-swap-oob="attrs:#diagram .diagram > :nth-child(2)') == 1
    assert "attrs:#diagram-svg-narrow > :nth-child(2)" not in r.text
    assert "<svg id=" not in r.text  # the pictures are not sent again


def test_a_weight_updates_labels_and_widths_change_once_for_both_pictures(
    client: TestClient,
) -> None:
    # the labels are drawn around their place (on their link) and an edge's width is its
    # group's: the new values of layer 1's weights change nothing that differs between pictures
    layer = url(replace(preset_state("sigmoid-2-2-2"), granularity="layer"), 13)
    client.get(layer)
    s = replace(preset_state("sigmoid-2-2-2"), granularity="layer").encode()
    r = client.get("/explore", params={"s": s, "at": "14", "shown": "13"}, headers=STEP)
    assert "#diagram-svg >" not in r.text and "#diagram-svg-narrow >" not in r.text
    for w in ("w1", "w2", "w3", "w4"):
        assert r.text.count(f'class="new">{w} 0.') == 1  # its label, sent once
    assert 'stroke-width="3.04"' in r.text and "<line" not in r.text  # w3 thinner, no line
    assert len(r.content) <= 15_000  # issue 11's bound for a 2-2-2 click, uncompressed


def test_a_page_that_is_not_its_steps_address_is_not_kept_as_that_step(
    client: TestClient,
) -> None:
    """The share panel's builder answered without JavaScript renders the explorer at a step
    with the builder's options: kept under the step's address, it would be the step a click
    to it is answered with (its embed snippet with the builder's options)."""
    built = client.get("/share/embed-code", params={"s": S, "at": "4", "panels": "diagram,step"})
    assert built.status_code == 200 and "panels=diagram" in built.text
    client.get("/explore/sigmoid-2-2-2?at=3")  # the page the step comes from
    r = client.get("/explore", params={"s": S, "at": "4", "shown": "3"}, headers=STEP)
    assert r.headers["hx-reswap"] == "none" and 'id="share-embed"' in r.text
    assert "panels=" not in r.text


def test_the_live_region_keeps_its_node_whichever_render_a_step_was_kept_from(
    client: TestClient,
) -> None:
    """A page writes the live region without a swap, a step's answer with its own (its text
    alone): a step kept from a page's render (a learner loaded its address) must not send it as
    a node to replace, or a screen reader may not announce it (CI's random order found it)."""
    client.get("/explore/sigmoid-2-2-2?at=5")  # step 5 kept from its whole page
    client.get("/explore/sigmoid-2-2-2?at=4")
    for shown in ("4", "x"):  # patched against the page's step, and whole
        r = client.get("/explore", params={"s": S, "at": "5", "shown": shown}, headers=STEP)
        assert r.text.count('id="announce"') == 1, r.text[-600:]
        assert '<div hx-swap-oob="innerHTML" id="announce"' in r.text, r.text[-600:]
