"""What static/campaigns/counters.js needs to count like the server: the double-width ranges, from the validator."""

from __future__ import annotations

import unicodedata
from functools import cache

from ml.ad_rules import char_width

_LAST_CODE_POINT = 0x3FFFF  # planes 0-3 hold every East Asian wide character


@cache
def wide_ranges() -> tuple[tuple[int, int], ...]:
    """Inclusive code point ranges Microsoft counts as two, from char_width, once per process (~0.2 s).

    Unassigned code points are skipped (nobody types them), so a range runs on across them: about 80 ranges.
    """
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    last = 0  # the range's last code point so far (read only while start is set)
    for code in range(_LAST_CODE_POINT + 1):
        char = chr(code)
        if unicodedata.category(char) == "Cn":
            continue
        if char_width(char, "microsoft") == 2:
            start = code if start is None else start
            last = code
        elif start is not None:
            ranges.append((start, last))
            start = None
    if start is not None:
        ranges.append((start, last))
    return tuple(ranges)


def counter_context(platform: str) -> dict:
    """Template context for counted inputs: the platform, and the wide ranges only where they count (Microsoft)."""
    return {"platform": platform, "wide_ranges": list(wide_ranges()) if platform == "microsoft" else None}
