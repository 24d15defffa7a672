"""An embedded frame's options (docs/EMBED.md), read from its URL or its forms, written back into
every URL and form the frame makes, and what they allow. The explorer's embed (``embed.py``)
and the practice embed read them from here.

    panels   the parts shown: diagram, step, timeline, chart, edit, table (all; none)
    readonly 1: no editing (edits refused with 403)
    from, to a lock: the steps the frame may show, inclusive ``at`` indices
    phases   a lock: forward, loss, backward, update (the steps of those phases only)
    hide     parts left out of the page (and their actions refused with 403): error, preview,
             badges, finish, train, reset, view, open
    caption  a line of plain text above the frame's content

A locked frame (from, to or phases) keeps its granularity (``at`` numbering depends on it), and
offers no Finish, Train, editing or replay: its state never changes, only the step within the
range."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..render.formatting import is_whole

PANELS = ("diagram", "step", "timeline", "chart", "edit", "table")
DEFAULT_PANELS = ("diagram", "step", "timeline")
PHASES = ("forward", "loss", "backward", "update")
# what hide= may name: the parts of the page, and the action each one offers
PARTS = {
    "error": "the error readout (E = …)",
    "preview": "the “after this update” preview of the error",
    "badges": "the notes on the document's printed figures (and their “redo” buttons)",
    "finish": "the Finish button (apply the update)",
    "train": "the Train button and its field",
    "reset": "the Reset button",
    "view": "the view controls: granularity, decimals, sample",
    "open": "the “Open in Backprop Explorer” link",
}
MAX_CAPTION = 200
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")
# the frame's actions, and the option that refuses each (readonly, a lock, or hide=)
EDITS = ("edit", "architecture")
CHANGES = ("finish", "train", "replay")


class OptionError(ValueError):
    """An embed option that cannot be read; the message names the parameter."""


@dataclass(frozen=True)
class EmbedOptions:
    """What the frame shows and allows; carried by every URL and form of the embed."""

    panels: tuple[str, ...] = DEFAULT_PANELS
    readonly: bool = False
    start: int | None = None  # from=
    end: int | None = None  # to=
    phases: tuple[str, ...] = ()  # () = every phase
    hide: tuple[str, ...] = ()
    caption: str = ""

    @property
    def locked(self) -> bool:
        return self.start is not None or self.end is not None or bool(self.phases)

    def shows(self, panel: str) -> bool:
        if panel == "edit" and (self.readonly or self.locked):
            return False
        return panel in self.panels

    def hides(self, part: str) -> bool:
        return part in self.hide

    def offers(self, action: str) -> bool:
        """Whether the frame offers an action (its control shown, its request answered)."""
        if action in EDITS:
            return not (self.readonly or self.locked)
        if action == "replay":
            return not (self.locked or self.hides("badges"))
        if action in CHANGES:
            return not (self.locked or self.hides(action))
        return not self.hides(action)

    def refusal(self, action: str) -> str:
        """Why the frame refuses an action ("" when it does not)."""
        if self.offers(action):
            return ""
        if action in EDITS and self.readonly:
            return (
                "This embedded explorer is read-only: its weights and settings cannot be "
                "changed here. Open it in Backprop Explorer to experiment."
            )
        if self.locked and (action in EDITS or action in CHANGES):
            return (
                "This embedded explorer is locked to a range of steps: it shows them without "
                "changing the network (no Finish, Train or editing here)."
            )
        return f"This embedded explorer does not offer {PARTS.get(action, action)}."

    def reachable(self, phases: Sequence[str]) -> tuple[int, ...]:
        """The steps the frame may show, given each step's phase (``at`` indices)."""
        low = self.start if self.start is not None else 0
        high = self.end if self.end is not None else len(phases) - 1
        return tuple(
            i
            for i, phase in enumerate(phases)
            if low <= i <= high and (not self.phases or phase in self.phases)
        )

    def query(self) -> dict[str, str]:
        """The options that differ from the defaults, as URL parameters."""
        q: dict[str, str] = {}
        if self.panels != DEFAULT_PANELS:
            q["panels"] = ",".join(self.panels) or "none"
        if self.readonly:
            q["readonly"] = "1"
        if self.start is not None:
            q["from"] = str(self.start)
        if self.end is not None:
            q["to"] = str(self.end)
        if self.phases:
            q["phases"] = ",".join(self.phases)
        if self.hide:
            q["hide"] = ",".join(self.hide)
        if self.caption:
            q["caption"] = self.caption
        return q

    @property
    def fields(self) -> list[tuple[str, str]]:
        return list(self.query().items())

    @staticmethod
    def parse(panels: str | None, readonly: str | None) -> EmbedOptions:
        return EmbedOptions(parse_panels(panels), parse_flag(readonly, "readonly"))

    @staticmethod
    def from_params(params: Any) -> EmbedOptions:
        """The options from a query or a form (a mapping of strings); OptionError naming the
        parameter and the rule when one cannot be read."""

        def get(name: str) -> str | None:
            value = params.get(name)
            return value if isinstance(value, str) else None

        start, end = parse_step(get("from"), "from"), parse_step(get("to"), "to")
        if start is not None and end is not None and start > end:
            raise OptionError(f"from: {start} is after to={end}; the range is from ≤ to")
        return EmbedOptions(
            panels=parse_panels(get("panels")),
            readonly=parse_flag(get("readonly"), "readonly"),
            start=start,
            end=end,
            phases=parse_list(get("phases"), "phases", PHASES),
            hide=parse_list(get("hide"), "hide", tuple(PARTS)),
            caption=parse_caption(get("caption")),
        )


def _names(raw: str) -> set[str]:
    return {p.strip().lower() for p in raw.replace(" ", ",").split(",") if p.strip()}


def parse_panels(raw: str | None) -> tuple[str, ...]:
    """ "step, diagram" → ("diagram", "step"): known names, in the page's order; "all" = all."""
    if raw is None or not raw.strip():
        return DEFAULT_PANELS
    names = _names(raw)
    if names == {"all"}:
        return PANELS
    if names == {"none"}:  # the step controls only
        return ()
    return parse_list(raw, "panels", PANELS)


def parse_list(raw: str | None, name: str, known: tuple[str, ...]) -> tuple[str, ...]:
    """A comma list of known names, in ``known``'s order; OptionError naming an unknown one."""
    if raw is None or not raw.strip():
        return ()
    names = _names(raw)
    unknown = sorted(names - set(known))
    if unknown:
        kind = {"panels": "a panel", "phases": "a phase", "hide": "a part"}.get(name, "a name")
        raise OptionError(
            f"{name}: “{unknown[0][:30]}” is not {kind}; the {_plural(name)} are {', '.join(known)}"
        )
    return tuple(p for p in known if p in names)


def _plural(name: str) -> str:
    return {"hide": "parts", "panels": "panels", "phases": "phases"}.get(name, "names")


def parse_flag(raw: str | None, name: str) -> bool:
    text = (raw or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise OptionError(f"{name}: must be 1 or 0, got “{(raw or '')[:20]}”")


def parse_step(raw: str | None, name: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not is_whole(text) or len(text) > 9:
        raise OptionError(f"{name}: must be a step number (at), a whole number from 0")
    return int(text)


def parse_caption(raw: str | None) -> str:
    """Plain text, one line, at most MAX_CAPTION characters (the page escapes it)."""
    text = " ".join((raw or "").split())
    if len(text) > MAX_CAPTION:
        raise OptionError(f"caption: at most {MAX_CAPTION} characters, got {len(text):,}")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in text):
        raise OptionError("caption: plain text only (no control characters)")
    return text


def check_lock(opts: EmbedOptions, phases: Sequence[str], granularity: str) -> tuple[int, ...]:
    """The steps a locked frame may show in this trace (its phases), or OptionError naming the
    option that leaves none, or a ``to`` past the last step."""
    last = len(phases) - 1
    for name, value in (("from", opts.start), ("to", opts.end)):
        if value is not None and value > last:
            raise OptionError(
                f"{name}: {value} is past the last step; this iteration has {last + 1} steps "
                f"at {granularity} granularity (at = 0 … {last})"
            )
    steps = opts.reachable(phases)
    if not steps:
        raise OptionError(
            "from, to and phases: no step of the iteration is inside them "
            f"({last + 1} steps at {granularity} granularity)"
        )
    return steps
