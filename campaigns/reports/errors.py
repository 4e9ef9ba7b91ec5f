from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_SHOWN_CHARS = 200  # of one value quoted back from the file
MAX_MESSAGE_CHARS = 2000  # of a whole message: an error page must not grow with the file


def shown(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters with the full length said: a cell is echoed, never a file."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return _("%(start)s… (%(count)s characters)") % {"start": text[:limit], "count": count(len(str(value)))}


def count(number: int) -> str:
    """A count with the reader's thousands separator: 64,000 in English, 64.000 in Spanish."""
    return number_format(number, force_grouping=True)


class ReportError(ValueError):
    """A report file that cannot be imported; the message names the line, the column and the reason."""

    def __init__(self, reason: str, *, line: int | None = None, column: str | None = None) -> None:
        if len(reason) > MAX_MESSAGE_CHARS:
            reason = reason[: MAX_MESSAGE_CHARS - 1] + "…"
        if column is not None and len(column) > MAX_SHOWN_CHARS:
            column = column[: MAX_SHOWN_CHARS - 1] + "…"
        self.reason = reason = str(reason)
        self.line = line
        self.column = column
        if line is not None and column is not None:
            message = _("Line %(line)s, column '%(column)s': %(reason)s")
        elif line is not None:
            message = _("Line %(line)s: %(reason)s")
        elif column is not None:
            message = _("Column '%(column)s': %(reason)s")
        else:
            message = "%(reason)s"
        super().__init__(message % {"line": line, "column": column, "reason": reason})
