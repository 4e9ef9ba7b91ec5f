"""Spreadsheet formulas in the CSV exports (docs/security.md, "Spreadsheet formulas in exports").

The Editor CSV and the Microsoft bulk file are meant for the platforms' importers, but marketers open both in a
spreadsheet, which runs a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(OWASP "CSV injection"). Ad text and keywords starting so are refused before they reach a file (the ``formula_start``
rule of ``ml.ad_rules``); names, which the platforms accept freely, are written with a leading apostrophe,
which a spreadsheet reads as "this cell is text" and our own import removes again.
"""

from __future__ import annotations

from ml.ad_rules import FORMULA_STARTS

QUOTE = "'"
# A line feed too: Microsoft's SDK reads the bulk file with universal newlines, so a name's leading carriage return
# comes back as one, and it must still lose our apostrophe on the way in.
STARTS = FORMULA_STARTS | {"\n"}


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: an apostrophe before a formula's first character, else unchanged."""
    return QUOTE + text if text[:1] in STARTS else text


def restore(text: str) -> str:
    """The inverse of :func:`neutralise` for a cell read back; any other text is returned as it is."""
    return text[1:] if text[:1] == QUOTE and text[1:2] in STARTS else text
