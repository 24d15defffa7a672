"""The page state in the URL: the scenario, compressed and URL-safe (``s``), and the cursor.

Format ``2.<base64url(zlib(json + "\\n" + bytes))>``: a JSON document and, after it, numbers as
bytes (what ``app.explorer.link`` writes there: float64 parameters and losses, exact and shorter
than their decimals). Format ``1.<base64url(zlib(json))>``, the links made before, still reads.
The leading version lets a link from another release get a clear message instead of a wrong
picture. No server-side session: any worker or container can serve any request.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from typing import Any

VERSION = "2"
READS = ("1", "2")
MAX_LINK = 32_000  # characters of a page's address (path and query): every link the app writes
MAX_ENCODED = 64_000  # characters of `s` read (a format-1 link was allowed up to this)
MAX_JSON = 1_000_000  # bytes once decompressed


class StateError(ValueError):
    """The `s` parameter cannot be read; the message says why, in words for a learner."""


def encode(doc: dict[str, Any], numbers: bytes = b"") -> str:
    """``s`` for a JSON document and the bytes that follow it (format 2)."""
    raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    packed = zlib.compress(raw + b"\n" + numbers, 9)  # compact JSON holds no raw newline
    return VERSION + "." + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(s: str) -> dict[str, Any]:
    """The JSON document of ``s`` (its bytes, if any, left out: ``unpack`` gives both)."""
    return unpack(s)[0]


def unpack(s: str) -> tuple[dict[str, Any], bytes]:
    """The JSON document of ``s`` and the bytes after it (none in format 1)."""
    if len(s) > MAX_ENCODED:
        raise StateError(f"the link's state is longer than {MAX_ENCODED} characters")
    version, dot, body = s.partition(".")
    if not dot or not version.isdigit():
        raise StateError("the link's state is not in a format this explorer knows")
    if version not in READS:
        raise StateError(
            f"the link was made by a different version of the explorer (format {version[:9]}, "
            f"this one reads formats {' and '.join(READS)})"
        )
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        d = zlib.decompressobj()
        raw = d.decompress(packed, MAX_JSON + 1)
        if len(raw) > MAX_JSON or d.unconsumed_tail:
            raise StateError("the link's state is too large")
        head, _, numbers = raw.partition(b"\n") if version != "1" else (raw, b"", b"")
        text = head.decode("utf-8")
        doc = json.loads(text, parse_constant=_reject_constant)
    except StateError:
        raise
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError, RecursionError):
        raise StateError("the link's state is damaged (it may have been cut short)") from None
    if not isinstance(doc, dict):
        raise StateError("the link's state is not a scenario")
    where = unwritable(doc, text)
    if where:
        raise StateError(f"the link's state holds {where}")
    return doc, numbers


# JSON writes a character as an escape, \ud800: one half of a surrogate pair alone reads back as a
# Python string that UTF-8 cannot encode again, so no page could show it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB-fF]")


def unwritable(doc: Any, text: str) -> str:
    """Where the JSON ``doc`` read from ``text`` holds text UTF-8 cannot write, in words ("" if
    nowhere): "a lone surrogate (\\ud800), which is not a character, in scenario.title"."""
    if not _SURROGATE_ESCAPE.search(text):
        return ""
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        loc, x = stack.pop()
        if isinstance(x, dict):
            for key, value in x.items():
                # the key last: it is looked at first, before a name made from it is written
                name = f"{loc}.{key[:40]}".lstrip(".")
                stack += [(name, value), (f"a key of {loc or 'the state'}", key)]
        elif isinstance(x, list):
            stack += [(f"{loc}[{k}]", value) for k, value in enumerate(x)]
        elif isinstance(x, str):
            try:
                x.encode("utf-8")
            except UnicodeEncodeError as e:
                code = f"\\u{ord(x[e.start]):04x}"
                where = loc or "the text"
                return f"a lone surrogate ({code}), which is not a character, in {where}"
    return ""


def _reject_constant(name: str) -> Any:
    raise StateError(f"the link's state holds {name}, which is not a number")
