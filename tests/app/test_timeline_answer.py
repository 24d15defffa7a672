"""The timeline's part of a step's answer (app/explorer/timeline_answer.py): worked out from
what the page's timeline shows and what the new step's shows, never rendered on a click. That
the page after the swaps is the page of its address is proven in a browser
(tests/e2e/test_partial_clicks.py); here, which operations a click gets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import preset_state
from app.explorer.timeline_answer import _runs
from app.explorer.view import View
from app.main import create_app
from app.settings import Settings

S = preset_state("sigmoid-2-2-2").encode()  # forward 0–7, loss 8–10, backward 11–28, update 29–
STEP = {"HX-Request": "true", "HX-Trigger": "nav", "HX-Explorer-Holds": "page"}
LONG = "/explore/new?layers=2,8,8,1&hidden=tanh&output=sigmoid&loss=half_sse"  # 282 steps
GROUP = "#timeline > :nth-child({})"  # the groups follow the heading and Start: 3, 4, 5, 6


@pytest.fixture
def fresh(settings: Settings) -> Iterator[TestClient]:
    """A client of an app of its own: nothing kept, so each step's parts are rendered."""
    with TestClient(create_app(settings)) as c:
        yield c


def step(client: TestClient, s: str, shown: int, at: int) -> str:
    client.get("/explore", params={"s": s, "at": str(shown)})  # the page the step comes from
    r = client.get("/explore", params={"s": s, "at": str(at), "shown": str(shown)}, headers=STEP)
    assert r.status_code == 200 and r.headers["hx-reswap"] == "none"
    return r.text


def timeline_ops(answer: str) -> list[str]:
    """The swaps of the answer aimed inside the timeline, as ``how:target``."""
    swaps = re.findall(r'hx-swap-oob="([^"]*)"', answer)
    return [s for s in swaps if "#tl-" in s or "#timeline" in s]


def test_a_next_within_a_phase_changes_two_buttons_alone(
    fresh: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(self: View) -> None:
        raise AssertionError("the timeline was rendered for a step's answer")

    fresh.get("/explore", params={"s": S, "at": "5"})  # the page the step comes from
    monkeypatch.setattr(View, "timeline_groups", never)  # what _timeline.html lists
    r = fresh.get("/explore", params={"s": S, "at": "6", "shown": "5"}, headers=STEP)
    answer = r.text
    assert r.status_code == 200, answer
    assert sorted(timeline_ops(answer)) == ["attrs:#tl-5", "attrs:#tl-6"]
    assert re.search(r'<button hx-swap-oob="attrs:#tl-5"[^>]* class="tl-step done"', answer)
    current = re.search(r'<button hx-swap-oob="attrs:#tl-6"[^>]*>', answer)
    assert current and 'class="tl-step current"' in current[0]
    assert 'aria-current="step"' in current[0]
    assert 'id="timeline"' not in answer and "<nav" not in answer  # not sent, not its place


def test_a_phase_change_moves_the_groups_mark_by_their_attributes(client: TestClient) -> None:
    answer = step(client, S, 7, 8)  # the forward pass's last step to the error's first
    assert sorted(timeline_ops(answer)) == sorted(
        [f"attrs:{GROUP.format(3)}", f"attrs:{GROUP.format(4)}", "attrs:#tl-7", "attrs:#tl-8"]
    )
    assert f'<div hx-swap-oob="attrs:{GROUP.format(3)}" class="tl-group forward"></div>' in answer
    assert f'<div hx-swap-oob="attrs:{GROUP.format(4)}" class="tl-group loss current">' in answer


def test_the_start_button_follows_the_cursor_to_and_from_the_start(client: TestClient) -> None:
    first = step(client, S, -1, 0)
    assert "attrs:#tl-start" in timeline_ops(first) and "attrs:#tl-0" in timeline_ops(first)
    assert '<button hx-swap-oob="attrs:#tl-start"' in first and 'class="tl-start"' in first
    back = step(client, S, 0, -1)
    assert re.search(r'attrs:#tl-start"[^>]*class="tl-start current" aria-current="step"', back)


def test_a_jump_from_the_timeline_changes_every_button_it_passes_or_their_groups(
    client: TestClient,
) -> None:
    answer = step(client, S, 2, 20)
    ops = timeline_ops(answer)
    # each button passed is done (the one reached current): by its attributes, or its group
    # whole where that is shorter
    groups = {range(0, 8): 3, range(8, 11): 4, range(11, 29): 5}
    for i in range(2, 21):
        group = next(GROUP.format(k) for steps, k in groups.items() if i in steps)
        assert f"attrs:#tl-{i}" in ops or f"outerHTML:{group}" in ops, i
    assert "attrs:#tl-21" not in ops and "attrs:#tl-1" not in ops
    assert f"attrs:{GROUP.format(3)}" in ops and f"attrs:{GROUP.format(5)}" in ops


def test_a_step_shown_unknown_gets_the_timeline_whole(client: TestClient) -> None:
    r = client.get("/explore", params={"s": S, "at": "9", "shown": "x"}, headers=STEP)
    assert '<nav hx-swap-oob="true" class="timeline" id="timeline"' in r.text
    assert len(re.findall(r'class="tl-step[ "]', r.text)) == 37
    assert '<i id="timeline"></i>' in r.text  # its place in the step panel sent whole, first
    assert r.text.index('<i id="timeline">') < r.text.index("<nav hx-swap-oob")


def _long_state(client: TestClient) -> str:
    page = client.get(LONG, follow_redirects=True).text
    found = re.search(r'name="s" value="([^"]+)"', page)
    assert found is not None
    return unescape(found.group(1))


def test_a_long_timelines_window_moves_by_a_step_in_and_a_step_out(client: TestClient) -> None:
    s = _long_state(client)
    answer = step(client, s, 60, 61)  # the backward pass (from 42): its window moves
    ops = timeline_ops(answer)
    ol = f"{GROUP.format(5)} > ol"
    assert f"delete:{ol} > :nth-child(3)" in ops  # step 48 left (first, gap, 48, …)
    came = f'hx-swap-oob="afterend:{ol} > :nth-child(27)"><li><button'  # 73, after 72
    assert came in answer and 'id="tl-73"' in answer[answer.index(came) :]
    assert sorted(o for o in ops if o.startswith("attrs")) == ["attrs:#tl-60", "attrs:#tl-61"]
    assert len(ops) == 4


def test_a_long_timelines_phase_change_opens_one_window_and_closes_another(
    client: TestClient,
) -> None:
    s = _long_state(client)
    answer = step(client, s, 35, 36)  # the error's last step (34–35) to the backward pass's first
    ops = timeline_ops(answer)
    loss, backward = GROUP.format(4), GROUP.format(5)
    assert f"attrs:{loss}" in ops and f"attrs:{backward}" in ops  # their marks
    # the error's step 35 gives way to "1 more"; the backward pass's "140 more" to its window
    assert f"outerHTML:{loss} > ol > :nth-child(2)" in ops
    assert f"outerHTML:{backward} > ol > :nth-child(2)" not in ops
    assert f"delete:{backward} > ol > :nth-child(2)" in ops
    assert "… 1 more</li>" in answer and "more</li>" not in answer.replace("… 1 more</li>", "")
    assert 'id="tl-48"' in answer and 'id="tl-49"' not in answer and 'id="tl-176"' in answer


@pytest.mark.parametrize(
    ("old", "new", "runs", "kept"),
    [
        (
            (0, None, 13, 14, 15, None, 99),
            (0, None, 14, 15, 16, None, 99),
            [(2, 3, 2, 2), (5, 5, 4, 5)],
            [0, 14, 15, 99],
        ),
        (
            (0, None, 14, 15, 16, None, 99),
            (0, None, 13, 14, 15, None, 99),
            [(2, 2, 2, 3), (4, 5, 5, 5)],
            [0, 14, 15, 99],
        ),
        (
            (0, 1, 2, 3, None, 99),
            (0, None, 2, 3, 4, None, 99),
            [(1, 2, 1, 2), (4, 4, 4, 5)],
            [0, 2, 3, 99],
        ),
        ((4, 5), (4, 5), [], [4, 5]),
    ],
)
def test_a_windows_runs_keep_every_step_found_in_both(
    old: tuple[int | None, ...],
    new: tuple[int | None, ...],
    runs: list[tuple[int, int, int, int]],
    kept: list[int],
) -> None:
    assert _runs(old, new) == (runs, kept)
