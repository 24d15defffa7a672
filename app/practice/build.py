"""From a request's parameters to the practice view, and what Check and the help buttons do to
the learner's record. Plain functions of plain values: the routes (``routes.py``) read the
request and write the response."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from markupsafe import Markup, escape

from engine import PRESETS, EngineError, Trace
from engine.practice import SETS, PracticeSet

from ..caches import TraceBundle
from ..explorer.actions import EditError, finish
from ..explorer.embed_options import EmbedOptions, check_lock
from ..explorer.state import PageState, preset_state
from ..explorer.state import url as explorer_url
from . import grading
from .formula import cell_name_html, cell_name_text, said_html, said_plain
from .questions import DEFAULT_FADE, FADES, asked
from .record import (
    FIRST,
    HELPED,
    LATER,
    MAX_TRIES,
    PENDING,
    REVEALED,
    WORKED,
    Record,
    RecordError,
    fresh_marks,
    outcome,
    read_answers,
    read_marks,
    refade,
    whole,
)
from .view import Field, PracticeView


class Outside(ValueError):
    """A step outside a locked frame's range (from, to, phases): refused with 403."""


@dataclass(frozen=True)
class Where:
    """Where the page lives: its path prefix (``/practice`` or ``/embed/practice``) and root;
    in a frame, its options (``embed_options.py``), carried by every address it makes."""

    root: str
    prefix: str
    frame: EmbedOptions = EmbedOptions()

    @property
    def embed(self) -> bool:
        return self.prefix.startswith("/embed")

    def base(self, state: PageState) -> str:
        pid = state.preset_id
        options = self.frame.query()
        if pid is not None and state.encode() == _preset_encoded(pid):
            path = f"{self.root}{self.prefix}/{pid}"
            return path + ("?" + urlencode(options) if options else "")
        return f"{self.root}{self.prefix}?" + urlencode({"s": state.encode(), **options})


@functools.lru_cache(maxsize=len(PRESETS))
def _preset_encoded(preset_id: str) -> str:
    return preset_state(preset_id).encode()


@dataclass(frozen=True)
class Page:
    """A practice page's inputs, read and checked."""

    state: PageState
    bundle: TraceBundle
    record: Record
    practice_set: PracticeSet | None
    reachable: tuple[int, ...] = ()  # a locked frame's steps (() = every step)

    @property
    def tr(self) -> Trace:
        return self.bundle.trace


BundleOf = Callable[[PageState, str], TraceBundle]  # the app's cached trace of a state


def read_set(raw: str | None, state: PageState) -> PracticeSet | None:
    if raw is None or raw.strip() == "":
        return None
    ps = SETS.get(raw.strip())
    if ps is None:
        names = ", ".join(SETS) or "none yet"
        raise RecordError(f"set: “{raw.strip()[:40]}” is not a practice set; the sets are {names}")
    if state.preset_id != ps.preset:
        raise RecordError(f"set: {ps.id} practises the example {ps.preset}")
    return ps


def read_fade(raw: str | None) -> str:
    text = (raw or "").strip() or DEFAULT_FADE
    if text not in dict(FADES):
        raise RecordError(f"fade: must be one of {', '.join(k for k, _ in FADES)}")
    return text


def read_page(
    state: PageState,
    params: Mapping[str, str],
    granularity: str,
    bundle_of: BundleOf,
    frame: EmbedOptions | None = None,
) -> Page:
    """The page for a state and the record in ``params``; RecordError names what is wrong. In
    a locked frame only its steps are questions (the others are shown worked), the page opens
    at its first step, and any other step but the score at the end raises ``Outside``
    (OptionError: a lock that leaves no step of this iteration)."""
    ps = read_set(params.get("set"), state)
    if ps is not None:
        state = replace(state, granularity=ps.granularity)
        granularity = ps.granularity
    bundle = bundle_of(state, granularity)
    tr = bundle.trace
    n = len(tr.steps)
    steps: tuple[int, ...] = ()
    if frame is not None and frame.locked:
        steps = check_lock(frame, [st.phase for st in tr.steps], granularity)
    at = max(whole(params.get("at"), "at", -1, n, steps[0] if steps else 0), 0)
    if steps and at not in steps and at != n:
        raise Outside(f"at={at} is outside the steps of this embedded practice ({_lock(frame)})")
    fade = read_fade(params.get("fade"))
    try:
        which = _inside(asked(tr, fade, state.iteration, ps), steps)
    except EngineError as e:
        raise RecordError(f"{'.'.join(str(p) for p in e.loc) or 'set'}: {e.message}") from None
    marks = read_marks(params.get("score"), n)
    if marks is None:
        marks = fresh_marks(which, at)
    elif params.get("refade"):
        marks = refade(marks, which, at)
    if steps:  # a crafted score cannot ask a question outside the lock
        inside = set(steps)
        marks = "".join(m if k in inside else WORKED for k, m in enumerate(marks))
    record = Record(at, marks, fade, ps.id if ps else "")
    at = min(at, record.frontier)  # nothing beyond the first open question is shown
    record = replace(record, at=at)
    if at < n and record.mark(at) == PENDING:
        cells = len(grading.asked(tr.steps[at]))
        record = replace(
            record,
            help=whole(params.get("help"), "help", 0, 1, 0),
            tries=whole(params.get("tries"), "tries", 0, MAX_TRIES, 0),
            answers=read_answers(params, cells),
        )
    return Page(state, bundle, record, ps, steps)


def _inside(questions: list[bool], steps: tuple[int, ...]) -> list[bool]:
    """The questions a locked frame asks: only those among its ``steps`` (all if none)."""
    if not steps:
        return questions
    allowed = set(steps)
    return [q and k in allowed for k, q in enumerate(questions)]


def _lock(frame: EmbedOptions | None) -> str:
    query = frame.query() if frame is not None else {}
    return ", ".join(f"{k}={v}" for k, v in query.items() if k in ("from", "to", "phases"))


def view(page: Page, where: Where, *, report: str = "", checked: bool = False) -> PracticeView:
    """The view of a page: its fields, and the feedback on what was typed (if anything; after
    a Check that could not count, ``checked``, on the fields left empty too)."""
    rec, tr = page.record, page.tr
    step = tr.steps[rec.at] if rec.at < len(tr.steps) else None
    fields: list[Field] = []
    verdicts: list[grading.Verdict | None] = []
    if step is not None and rec.mark(rec.at) != "w":
        done = rec.done
        for k, cell in enumerate(grading.asked(step)):
            typed = rec.answers[k] if k < len(rec.answers) else ""
            judged = (typed or checked) and not done
            v = grading.verdict(tr, step, cell, typed) if judged else None
            verdicts.append(v)
            shown = number_text(cell.value, page.state.precision) if done else ""
            said = cell_name_text(step, cell.name, tr.before.labels.cost)
            fields.append(Field(k, cell.name, typed, shown, f"Your answer for {said}", v))
    pv = PracticeView(
        state=page.state,
        bundle=page.bundle,
        record=rec,
        d=page.state.precision,
        base=where.base(page.state),
        step=step,
        fields=tuple(fields),
        report=report,
        set_title=page.practice_set.title if page.practice_set else "",
        fades=FADES,
        embed=where.embed,
        frame=where.frame,
        reachable=page.reachable,
    )
    pv.urls = addresses(pv, where)
    return feedback(pv)


def addresses(pv: PracticeView, where: Where) -> dict[str, str]:
    """The page's links and form actions."""
    rec = pv.record
    path, _, query = pv.base.partition("?")
    start = Record(0, "", rec.fade, rec.set_id).query()
    keep = {k: v for k, v in start.items() if k in ("fade", "set")}
    again = pv.base + ("&" if query else "?") + urlencode(keep)
    site = Where(where.root, "/practice").base(pv.state)
    site_view = replace(pv, base=site)
    offers_next = where.frame.offers("finish")  # the next iteration is Finish's update
    return {
        "action": where.root + where.prefix,
        "self_action": path,
        "self_s": "1" if query else "",
        "prev": pv.step_url(pv.prev_at if pv.prev_at is not None else rec.at),
        "next": pv.step_url(pv.next_at),
        "explore": where.root + explorer_url(pv.state, min(rec.at, pv.n_steps - 1)),
        "open": site_view.url,
        "again": again,
        "activity": again,
        "next_iteration": next_iteration(pv, where) if rec.finished and offers_next else "",
    }


def next_iteration(pv: PracticeView, where: Where) -> str:
    """The next iteration's practice (the update applied; with "auto" fading, one more question
    per phase), or "" when the update cannot be carried in an address."""
    try:
        after = finish(pv.state)
    except EditError:
        return ""
    keep = {"fade": pv.record.fade, **({"set": pv.record.set_id} if pv.record.set_id else {})}
    return where.base(after) + ("&" if "?" in where.base(after) else "?") + urlencode(keep)


def number_text(x: float, d: int) -> str:
    from ..render.formatting import number

    return number(x, d)


def feedback(pv: PracticeView) -> PracticeView:
    """What the status region says about the current step."""
    rec = pv.record
    if pv.step is None:
        pv.announce = f"Iteration finished: {pv.score} of {pv.questions} right."
        return pv
    if rec.done:
        mark = rec.mark(rec.at)
        if mark == REVEALED:
            pv.feedback, pv.tone = "The answer is shown: this step counts as not answered.", "help"
        elif mark != "w":
            pv.feedback, pv.tone = RIGHT_WORDS[mark], "right"
        pv.announce = pv.feedback or f"{pv.step.title}: worked for you."
        return pv
    judged = [f for f in pv.fields if f.verdict is not None]
    if not judged:
        # the formula just asked for is said first, as the page shows it
        if rec.help:
            lead = f"The formula with the numbers is shown: {pv.numbers_text()}"
        else:
            lead = f"Question: {pv.step.title}"
        pv.announce = f"{lead}. Type {pv.fields[0].label.lower()}."
        return pv
    wrong = [f for f in judged if f.verdict and not f.verdict.correct]
    if not wrong:
        return pv
    verdicts = [f.verdict for f in wrong if f.verdict]
    if all(v.too_few_digits for v in verdicts):
        pv.feedback, pv.tone = "Close: more digits, please.", "more"
    elif all(v.unreadable for v in verdicts):
        pv.feedback, pv.tone = _unreadable_words(verdicts), "wrong"
    else:
        pv.feedback, pv.tone = "Not right yet.", "wrong"
    lines = [_line(pv, f) for f in wrong]
    pv.diagnoses = tuple(html for _, html in lines)
    pv.announce = " ".join([pv.feedback, *(text for text, _ in lines)])
    return pv


def _unreadable_words(verdicts: list[grading.Verdict]) -> str:
    """The headline over answers that cannot be judged: 1e999 is a number, just not one a
    step can give; "abc" is none."""
    if all(v.out_of_range for v in verdicts):
        return "That number is beyond float64's range."
    if not any(v.out_of_range for v in verdicts):
        return "That is not a number yet."
    return "Those answers cannot be judged yet."


def _line(pv: PracticeView, f: Field) -> tuple[str, Markup]:
    """One field's feedback, as text (the live region) and as HTML (the status region, its
    names as MathML as the step panel writes them): why it cannot be read, that it needs
    digits, or the mistake; named by its cell when the step asks several."""
    v = f.verdict
    assert v is not None and pv.step is not None
    if v.said:
        text, html = said_plain(v.said), said_html(v.said)
    else:
        if v.unreadable:
            text = v.unreadable[0].upper() + v.unreadable[1:]
        elif v.too_few_digits:
            text = "Right so far, but type at least 3 significant digits (e.g. 0.593, not 0.59)."
        else:
            text = "Not the value of this step. Check each factor of the formula and try again."
        html = Markup(escape(text))
    if len(pv.fields) == 1:
        return text, html
    cost = pv.tr.before.labels.cost
    name = cell_name_html(pv.step, f.name, cost)
    return f"{cell_name_text(pv.step, f.name, cost)}: {text}", name + Markup(": ") + html


RIGHT_WORDS = {
    FIRST: "Right, at the first try.",
    LATER: "Right, on a later try.",
    HELPED: "Right, with the formula's numbers as help.",
}


# -- actions ----------------------------------------------------------------------------------


def check(page: Page) -> tuple[Page, bool]:
    """Judge what was typed: the record after it, and whether every cell could be read
    (False: nothing is counted and the page answers 422)."""
    rec, tr = page.record, page.tr
    if rec.done or rec.finished:
        return page, True
    step = tr.steps[rec.at]
    verdicts = [
        grading.verdict(tr, step, cell, rec.answers[k] if k < len(rec.answers) else "")
        for k, cell in enumerate(grading.asked(step))
    ]
    if any(v.unreadable for v in verdicts):
        return page, False
    if all(v.correct for v in verdicts):
        done = rec.with_mark(rec.at, outcome(rec.tries, rec.help))
        return replace(page, record=replace(done, help=0, tries=0, answers=())), True
    if all(v.correct or v.too_few_digits for v in verdicts):  # asked for more digits: no try
        return page, True
    return replace(page, record=replace(rec, tries=min(rec.tries + 1, MAX_TRIES))), True


def help_with(page: Page, level: str) -> Page:
    """ "numbers": the formula with the numbers; "answer": the answer (counts as not answered)."""
    rec = page.record
    if rec.done or rec.finished:
        return page
    if level == "numbers":
        return replace(page, record=replace(rec, help=1))
    if level == "answer":
        revealed = rec.with_mark(rec.at, REVEALED)
        return replace(page, record=replace(revealed, help=0, tries=0, answers=()))
    raise RecordError("level: must be numbers or answer")


def report_after(before: Page, after: Page) -> str:
    """The message an embed posts: "progress" when a step was just answered or revealed,
    "completed" when that was the last open question."""
    if before.record.marks == after.record.marks:
        return ""
    return "completed" if PENDING not in after.record.marks else "progress"
