from __future__ import annotations

MAX_SHOWN_CHARS = 200  # of one value quoted back from the file
MAX_MESSAGE_CHARS = 2000  # of a whole message: an error page must not grow with the file


def shown(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters with the full length said: a cell is echoed, never a file."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(str(value)):,} characters)"


class ReportError(ValueError):
    """A report file that cannot be imported; the message names the line, the column and the reason."""

    def __init__(self, reason: str, *, line: int | None = None, column: str | None = None) -> None:
        if len(reason) > MAX_MESSAGE_CHARS:
            reason = reason[: MAX_MESSAGE_CHARS - 1] + "…"
        if column is not None and len(column) > MAX_SHOWN_CHARS:
            column = column[: MAX_SHOWN_CHARS - 1] + "…"
        self.reason = reason
        self.line = line
        self.column = column
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix[:1].upper() + prefix[1:] + reason if prefix else reason)
