from __future__ import annotations


class ReportError(ValueError):
    """A report file that cannot be imported; the message names the line, the column and the reason."""

    def __init__(self, reason: str, *, line: int | None = None, column: str | None = None) -> None:
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
