"""The engine's one exception type."""

from __future__ import annotations

Loc = tuple[str | int, ...]


class EngineError(ValueError):
    """Bad input to the engine: the message names the problem, `loc` the field it is in.

    `loc` is a path into the scenario document, e.g. ``("weights", 1, 0, 1)`` for
    ``weights[1][0][1]``; empty when the problem is not tied to one field.
    """

    def __init__(self, message: str, loc: Loc = ()) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc

    @property
    def field(self) -> str:
        """The field path in the form ``weights[1][0][1]``."""
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.loc else self.message
