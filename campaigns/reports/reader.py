"""Streams a Google Ads or Microsoft Advertising report into validated polars chunks.

Real downloads have a title and a date-range line (Microsoft: a block of "Report Name: ..." lines) above the
header, "Total" rows and a copyright line below the data, UTF-8 or UTF-16 ("Excel CSV", tab-separated)
encodings and numbers in the account's locale. The file is read a chunk of lines at a time, so memory stays
bounded by the chunk size, not the file size.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from itertools import islice
from pathlib import Path

import polars as pl
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from campaigns.reports import periods, values
from campaigns.reports.columns import (
    COUNT_COLUMNS,
    KIND_REQUIRED,
    MONEY_COLUMNS,
    TEXT_COLUMNS,
    HeaderMatch,
    canonical,
    column_label,
    match_header,
    missing_for_best_kind,
)
from campaigns.reports.errors import ReportError, count, shown

HEAD_LINES = 40
# The head is read a line at a time, each at most this long: a real title or header line is a few hundred
# characters, and a file of one 20 MB line must not become a 20 MB string, nor a million header cells.
HEAD_LINE_CHARS = 64 * 1024
_COMMA_DECIMAL = re.compile(r"\d,\d{1,2}\D*$")
_DOT_DECIMAL = re.compile(r"\d\.\d{1,2}\D*$")
# A total line's label cell: "Total: Search terms", "Total : compte", "Totale: account", "Gesamt: Konto", or a
# bare "Total" (Microsoft). A search term such as "total gym" has no colon, so it stays a row.
_TOTAL = r"(?i)^(total|totale|gesamt|totaal)\s*(:|$)"
_LABEL_PREFIX = r"(?i)^(total|totale|gesamt|totaal)\s*:?\s*"
KIND_WORDS = {
    "search_terms": gettext_lazy("search terms report"),
    "keyword": gettext_lazy("keyword report"),
    "ad_group": gettext_lazy("ad group report"),
    "campaign": gettext_lazy("campaign report"),
}
# Whole sentences per period: the words for "a week" and "the week" change with the language.
PERIOD_REASONS = {
    "week": gettext_lazy(
        "is not a week (expected its first day as YYYY-MM-DD, or the week written out as the platform writes it)"
    ),
    "month": gettext_lazy(
        "is not a month (expected its first day as YYYY-MM-DD, or the month written out as the platform writes it)"
    ),
    "quarter": gettext_lazy(
        "is not a quarter (expected its first day as YYYY-MM-DD, or the quarter written out as the platform writes it)"
    ),
    "year": gettext_lazy(
        "is not a year (expected its first day as YYYY-MM-DD, or the year written out as the platform writes it)"
    ),
}
_COPYRIGHT = r"^(©|\(c\) )"
_ROWS_LINE = re.compile(r"^\W*rows:\s*([\d.,]+)", re.IGNORECASE)
# Microsoft Advertising keeps one "Time period" column and says above the header what its cells stand for.
_AGGREGATION_LINE = re.compile(
    r"^\W*report aggregation:\s*(weekly|monthly|quarterly|yearly|hourly|hour\s*of\s*day|day\s*of\s*week)",
    re.IGNORECASE,
)
# What each aggregation's "Time period" cells stand for; "": an hour or a weekday, which are no period of the
# calendar (an hour of day or a weekday spans the whole range): their rows add up to the report's date range.
_AGGREGATIONS = {
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
    "hourly": "",
    "hour of day": "",
    "day of week": "",
}


@dataclass(frozen=True)
class ReportLayout:
    encoding: str
    separator: str
    header_line: int  # 1-based
    header: HeaderMatch
    decimal: str
    date_order: str
    expected_rows: int | None
    # For a report without a Day column: the days its rows cover, from the date-range line above the header.
    period: tuple[date, date] | None = None

    @property
    def segmented_by_day(self) -> bool:
        return self.header.segment == "day"

    @property
    def kind_words(self) -> str:
        platform = "Microsoft Advertising" if self.header.microsoft else "Google Ads"
        return gettext("%(platform)s %(report)s") % {"platform": platform, "report": KIND_WORDS[self.kind]}

    @property
    def kind(self) -> str:
        return self.header.kind

    @property
    def platform(self) -> str:
        return "microsoft" if self.header.microsoft else "google"

    def column_name(self, canonical_name: str) -> str:
        return self.header.names[self.header.columns[canonical_name]]


def detect_encoding(head: bytes) -> str:
    if not head:
        raise ReportError(gettext("the file is empty"))
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:2000]
    if sample.count(0) > len(sample) // 4:  # UTF-16 without a BOM: every other byte of ASCII text is zero
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end of the sample
            raise ReportError(_encoding_reason(exc)) from None
    return "utf-8"


def _encoding_reason(exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start : exc.start + 1].hex().upper()
    return gettext(
        "unknown encoding: byte 0x%(byte)s is not UTF-8 or UTF-16 text; download the report again as CSV (UTF-8) "
        "or Excel CSV (UTF-16)"
    ) % {"byte": byte}


def _time_period_column(header: HeaderMatch) -> bool:
    """Whether the report's time column is Microsoft's "Time period", whose cells the aggregation line defines."""
    return header.segment == "day" and header.names[header.columns["date"]].strip().lower() == "time period"


class ReportReader:
    """Reads one report file. ``layout`` is known after construction; ``chunks()`` yields validated rows."""

    def __init__(
        self, path: str | Path, *, decimal: str | None = None, chunk_rows: int = 50_000, today: date | None = None
    ) -> None:
        if decimal not in (None, ",", "."):
            raise ValueError("decimal must be ',' or '.'")
        self.path = Path(path)
        self.chunk_rows = chunk_rows
        self.today = today or date.today()
        self.rows_read = 0
        # The file's "Total: ..." lines: (line, label, the period's cell of a per-period total or "",
        # {impressions, clicks, cost, conversions, conversion_value})
        self.totals: list[tuple[int, str, str, dict[str, int | float | None]]] = []
        self.chars_read = 0
        self.size_bytes = self.path.stat().st_size
        with self.path.open("rb") as raw:
            encoding = detect_encoding(raw.read(4096))
        self.layout = self._detect_layout(encoding, decimal)

    def _open(self, encoding: str) -> io.TextIOWrapper:
        return open(self.path, encoding=encoding, newline="")  # noqa: SIM115 - closed by callers

    def _head(self, encoding: str) -> tuple[list[str], set[int]]:
        """The first lines, each cut to HEAD_LINE_CHARS, and the (1-based) numbers of the lines that were cut."""
        lines: list[str] = []
        cut: set[int] = set()
        try:
            with self._open(encoding) as handle:
                while len(lines) < HEAD_LINES:
                    line = handle.readline(HEAD_LINE_CHARS)
                    if not line:
                        break
                    if not line.endswith(("\n", "\r")) and len(line) == HEAD_LINE_CHARS:
                        cut.add(len(lines) + 1)
                        while (rest := handle.readline(HEAD_LINE_CHARS)) and not rest.endswith(("\n", "\r")):
                            pass  # skip the rest of the long line, a bounded piece at a time
                    lines.append(line.rstrip("\r\n"))
        except UnicodeDecodeError as exc:
            raise ReportError(_encoding_reason(exc)) from None
        return lines, cut

    def _detect_layout(self, encoding: str, decimal: str | None) -> ReportLayout:
        head, cut = self._head(encoding)
        if not any(line.strip() for line in head):
            raise ReportError(gettext("the file is empty"))
        expected_rows = None
        aggregation: str | None = None
        best: tuple[int, int, list[str]] | None = None
        for number, line in enumerate(head, start=1):
            rows_match = _ROWS_LINE.match(line)
            if rows_match:
                expected_rows = int(re.sub(r"\D", "", rows_match.group(1)))
            aggregation_match = _AGGREGATION_LINE.match(line)
            if aggregation_match:
                aggregation = _AGGREGATIONS[" ".join(aggregation_match.group(1).lower().split())]
            if number in cut:
                continue  # a header line is never this long
            for separator in ("\t", ",", ";"):
                if separator not in line:
                    continue
                cells = split_line(line, separator, number)
                header = match_header(cells)
                if header:
                    if aggregation and header.segment == "day":
                        header = replace(header, segment=aggregation)
                    elif aggregation == "" and _time_period_column(header):  # a "Gregorian date" still is a day
                        header = replace(
                            header, segment="", columns={k: at for k, at in header.columns.items() if k != "date"}
                        )
                    data = head[number:]
                    long_rows = sorted(n for n in cut if n > number)
                    if long_rows:
                        raise _cell_too_long(head[long_rows[0] - 1], separator, long_rows[0], header.names)
                    return self._with_period(
                        head[: number - 1],
                        ReportLayout(
                            encoding=encoding,
                            separator=separator,
                            header_line=number,
                            header=header,
                            decimal=decimal or self._infer_decimal(data, separator, header),
                            date_order="dmy" if header.spanish or not header.microsoft else "mdy",
                            expected_rows=expected_rows,
                        ),
                    )
                if best is None or len(cells) > len(best[2]):
                    best = (number, len(cells), cells)
        if best is None:
            if cut:
                raise ReportError(
                    gettext(
                        "no header row found: expected a tab- or comma-separated report with column names (line "
                        "%(line)s has over %(limit)s characters)"
                    )
                    % {"line": min(cut), "limit": count(HEAD_LINE_CHARS)}
                )
            raise ReportError(
                gettext("no header row found: expected a tab- or comma-separated report with column names")
            )
        kind, missing = missing_for_best_kind(best[2])
        cells = best[2]
        if missing == ["campaign", "ad_group"] or missing == ["campaign"]:
            if _all_performance_max(head, best[0], cells):
                whose = gettext("one Performance Max campaign")
            else:
                whose = gettext("one campaign")
            if "ad_group" in missing:
                reason = gettext(
                    "this is a %(report)s downloaded from inside %(whose)s: it has no Campaign column, so its rows "
                    "cannot be placed; download it again from the account's report page, or add the Campaign and "
                    "Ad group columns"
                )
            else:
                reason = gettext(
                    "this is a %(report)s downloaded from inside %(whose)s: it has no Campaign column, so its rows "
                    "cannot be placed; download it again from the account's report page, or add the Campaign column"
                )
            raise ReportError(reason % {"report": KIND_WORDS[kind], "whose": whose}, line=best[0])
        listed = ", ".join(shown(cell, 60) for cell in cells[:HEADER_CELLS_SHOWN])
        if len(cells) > HEADER_CELLS_SHOWN:
            listed = gettext("%(listed)s and %(more)s more") % {
                "listed": listed,
                "more": count(len(cells) - HEADER_CELLS_SHOWN),
            }
        raise ReportError(
            gettext(
                "wrong header: the %(report)s needs the column(s) %(missing)s; the header has %(count)s column(s): "
                "%(listed)s"
            )
            % {
                "report": KIND_WORDS[kind],
                "missing": ", ".join(f"“{column_label(name, cells)}”" for name in missing),
                "count": count(len(cells)),
                "listed": listed,
            },
            line=best[0],
        )

    def _with_period(self, above: list[str], layout: ReportLayout) -> ReportLayout:
        """The layout with the date range of the lines above the header; a report without days needs one."""
        month_first = layout.header.microsoft and not layout.header.spanish
        for line in above:
            found = periods.parse_range(line, month_first=month_first, today=self.today)
            if found:
                return ReportLayout(**{**layout.__dict__, "period": found})
        if not layout.header.segment:
            raise ReportError(
                gettext(
                    "this is a %(report)s without a Day column and without its date-range line above the header, so "
                    "the days its rows cover are unknown; download it again as the platform writes it (the date "
                    "range on line 2) or add the Day segment"
                )
                % {"report": layout.kind_words},
                line=layout.header_line,
            )
        return layout

    @staticmethod
    def _infer_decimal(data: list[str], separator: str, header: HeaderMatch) -> str:
        """The decimal mark that the money cells use; the header's language decides when they don't say."""
        positions = [header.columns[name] for name in MONEY_COLUMNS if name in header.columns]
        comma = dot = 0
        for cells in (split_line(line, separator, None) for line in data):
            for position in positions:
                if position < len(cells):
                    comma += bool(_COMMA_DECIMAL.search(cells[position].strip()))
                    dot += bool(_DOT_DECIMAL.search(cells[position].strip()))
        if comma and not dot:
            return ","
        if dot and not comma:
            return "."
        return "," if header.comma_locale else "."

    @property
    def fraction_read(self) -> float:
        """How far ``chunks()`` has got through the file, 0 to 1 (from characters: exact for ASCII text)."""
        per_char = 2 if self.layout.encoding.startswith("utf-16") else 1
        return min(1.0, self.chars_read * per_char / self.size_bytes) if self.size_bytes else 1.0

    # --- streaming --------------------------------------------------------------------------------------

    def chunks(self) -> Iterator[pl.DataFrame]:
        layout = self.layout
        width = len(layout.header.names)
        line_number = layout.header_line
        last_line = ""
        with self._open(layout.encoding) as handle:
            for _ in range(layout.header_line):
                next(handle)
            while True:
                try:
                    block = list(islice(handle, self.chunk_rows))
                except UnicodeDecodeError as exc:
                    raise ReportError(_encoding_reason(exc), line=line_number + 1) from None
                if not block:
                    break
                # Each line keeps its own line break; blank lines become empty rows that _parse_block drops.
                first_line = line_number + 1
                line_number += len(block)
                self.chars_read += sum(map(len, block))
                last_line = block[-1]
                if not last_line.endswith(("\n", "\r")):
                    self._check_truncated(last_line, line_number, width)
                frame = self._parse_block(block, first_line, width)
                if frame.height:
                    self.rows_read += frame.height
                    yield frame
        self._check_end(line_number)

    def _check_truncated(self, last_line: str, line_number: int, width: int) -> None:
        """Only the file's last line can lack a newline; one with too few cells was cut off."""
        cells = split_line(last_line, self.layout.separator, line_number, self.layout.header.names)
        if 0 < len(cells) < width and not re.match(_COPYRIGHT, last_line.strip('"')):
            raise ReportError(
                gettext(
                    "the file ends in the middle of a row (%(cells)s of %(width)s columns): it is truncated; "
                    "download it again"
                )
                % {"cells": len(cells), "width": width},
                line=line_number,
            )

    def _check_end(self, line_number: int) -> None:
        expected = self.layout.expected_rows
        if expected is not None and expected != self.rows_read:
            raise ReportError(
                gettext(
                    "the report says it has %(expected)s rows but %(found)s were found: the file is truncated or "
                    "was edited"
                )
                % {"expected": expected, "found": self.rows_read}
            )
        if self.rows_read == 0:
            raise ReportError(gettext("the report has a header but no data rows"), line=self.layout.header_line)

    def _parse_block(self, block: list[str], first_line: int, width: int) -> pl.DataFrame:
        frame = self._read_numbered_by_position(block, first_line, width)
        if frame is None:
            frame = self._read_numbered_by_prefix(block, first_line, width)
        frame = self._without_blank_lines(frame, width)
        columns = self.layout.header.columns
        frame = self._without_totals(frame, width)
        selected = frame.select("_line", *(pl.col(f"c{position}").alias(name) for name, position in columns.items()))
        return self._validate(selected)

    def _read_csv(self, text: str, names: list[str]) -> pl.DataFrame:
        return pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            has_header=False,
            new_columns=names,
            separator=self.layout.separator,
            infer_schema=False,
            quote_char='"',
        )

    def _read_numbered_by_position(self, block: list[str], first_line: int, width: int) -> pl.DataFrame | None:
        """The block's rows, each numbered by its position, when every line is one row (the usual case); None
        when one is not (a line break inside quotes, a lone carriage return) or the block cannot be read."""
        try:
            frame = self._read_csv("".join(block), [f"c{i}" for i in range(width)])
        except pl.exceptions.PolarsError:
            return None
        if frame.height != len(block):
            return None
        return frame.with_row_index("_line", offset=first_line).with_columns(pl.col("_line").cast(pl.Int64))

    def _read_numbered_by_prefix(self, block: list[str], first_line: int, width: int) -> pl.DataFrame:
        """The block's rows, each line led by its number as an extra first cell: right whatever the lines hold,
        and the way to the first row that cannot be read."""
        separator = self.layout.separator
        numbered = [f"{offset}{separator}{line}" for offset, line in enumerate(block, first_line)]
        try:
            frame = self._read_csv("".join(numbered), ["_line", *(f"c{i}" for i in range(width))])
        except pl.exceptions.PolarsError:
            raise self._locate_bad_row(numbered, width) from None
        return frame.with_columns(pl.col("_line").cast(pl.Int64))

    def _without_totals(self, frame: pl.DataFrame, width: int) -> pl.DataFrame:
        """The rows without the copyright footer and the total lines, whose figures are kept (``totals``)."""
        cells = range(min(width, 6))
        # Only a row with a total's label in one of its first cells can be a total line, and only one whose first
        # cell starts like a copyright line the footer (as ``_TOTAL`` and ``_COPYRIGHT`` match the cells stripped):
        # labels are worked out for those few rows, not for every row.
        maybe = pl.any_horizontal(
            pl.col("c0").str.contains(r"^\s*(©|\(c\) )"),
            *(pl.col(f"c{i}").str.contains(r"(?i)^\s*(total|totale|gesamt|totaal)\s*(:|$)") for i in cells),
        )
        candidates = frame.filter(maybe)
        if not candidates.height:
            return frame
        footer = pl.col("c0").fill_null("").str.strip_chars().str.contains(_COPYRIGHT)
        # A total line's label is its first cell that is not empty or "--": the first column in search terms and
        # campaign reports, the third (after " --" and an empty cell) in keyword reports. A report segmented by day,
        # week or month can give each period its own total lines, the period in the time column and the label after
        # it ("2026-08-31,Total: Account,..."): the time cell is the label only when it reads as one.
        time_column = self.layout.header.columns.get("date") if self.layout.header.segment else None

        def label_in(i: int) -> pl.Expr:
            cell = pl.col(f"c{i}").fill_null("").str.strip_chars()
            is_label = cell.str.contains(_TOTAL) if i == time_column else ~cell.is_in(values.EMPTY_MARKERS)
            return pl.when(is_label).then(cell)

        label = pl.coalesce([label_in(i) for i in cells]).fill_null("")
        candidates = candidates.with_columns(label.alias("_label"), footer.alias("_footer"))
        is_total = pl.col("_label").str.contains(_TOTAL)
        self._keep_totals(candidates.filter(is_total & ~pl.col("_footer")))
        dropped = candidates.filter(pl.col("_footer") | is_total)["_line"]
        return frame.filter(~pl.col("_line").is_in(dropped.implode())) if dropped.len() else frame

    @staticmethod
    def _without_blank_lines(frame: pl.DataFrame, width: int) -> pl.DataFrame:
        """Rows of nothing but spaces and separators (blank lines, ",,,," from spreadsheets) are no rows."""

        def blank(column: str) -> pl.Expr:
            return pl.col(column).fill_null("").str.strip_chars(" \t\r\n,;") == ""

        candidates = frame.filter(blank("c0"))  # real rows almost never start empty: check the rest on these only
        if not candidates.height:
            return frame
        blank_lines = candidates.filter(pl.all_horizontal(blank(f"c{i}") for i in range(width)))["_line"]
        return frame.filter(~pl.col("_line").is_in(blank_lines.implode())) if blank_lines.len() else frame

    def _keep_totals(self, frame: pl.DataFrame) -> None:
        """The figures of the file's total lines, read leniently: a total's "--" is unknown, not an error."""
        if not frame.height:
            return
        columns = self.layout.header.columns
        decimal = self.layout.decimal
        exprs: list[pl.Expr] = [pl.col("_line"), pl.col("_label").str.replace(_LABEL_PREFIX, "").alias("label")]
        time_column = columns.get("date") if self.layout.header.segment else None
        period = pl.col(f"c{time_column}").fill_null("").str.strip_chars() if time_column is not None else pl.lit("")
        exprs.append(period.alias("period"))
        for name in ("impressions", "clicks", "cost", "conversions", "conversion_value"):
            if name not in columns:
                exprs.append(pl.lit(None).alias(name))
                continue
            cell = pl.col(f"c{columns[name]}")
            unknown = cell.is_null() | cell.str.strip_chars().is_in(values.EMPTY_MARKERS)
            parser = {"impressions": values.count_expr, "clicks": values.count_expr}.get(name)
            if parser is not None:
                value, bad = parser(f"c{columns[name]}", decimal)
            else:
                parse = values.float_expr if name == "conversions" else values.micros_expr
                value, bad, _ = parse(f"c{columns[name]}", decimal)
            exprs.append(pl.when(unknown | bad).then(None).otherwise(value).alias(name))
        for row in frame.select(exprs).iter_rows(named=True):
            label = row.pop("label") or "Total"
            line, period = row.pop("_line"), row.pop("period")
            in_time_column = period in values.EMPTY_MARKERS or re.match(_TOTAL, period)  # a label, not a period
            self.totals.append((line, label, "" if in_time_column else period, row))

    def _locate_bad_row(self, numbered: list[str], width: int) -> ReportError:
        for text in numbered:
            number, _, line = text.rstrip("\r\n").partition(self.layout.separator)
            cells = split_line(line, self.layout.separator, int(number), self.layout.header.names)
            if len(cells) > width:
                return ReportError(
                    gettext("the row has %(cells)s columns but the header has %(width)s")
                    % {"cells": len(cells), "width": width},
                    line=int(number),
                )
        return ReportError(gettext("the rows could not be read as a table (unbalanced quotes?)"))

    def _validate(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The chunk's cells as typed values, or a ReportError naming the first bad cell.

        Every value and every check is computed in one pass over the chunk; only when a check fails is the chunk
        searched again, for the first bad cell in the order the checks are listed.
        """
        layout = self.layout
        present = layout.header.columns
        numbers = [name for name in (*COUNT_COLUMNS, *MONEY_COLUMNS, "conversions") if name in present]
        parsers = {name: _PARSERS.get(name, "micros") for name in numbers}
        forms = values.plain_forms(layout.decimal)
        plain_already = frame.select(
            pl.col(name).str.contains(forms[parsers[name]]).all().alias(name) for name in numbers
        ).row(0, named=True)
        to_clean = [name for name in numbers if not plain_already[name]]
        frame = frame.with_columns(
            values.plain_number(name, layout.decimal).alias(f"{name}__plain") for name in to_clean
        )
        # (column, reason, bad cells), in the order they are reported
        checks: list[tuple[str, str | Promise, pl.Expr]] = []
        required = [*KIND_REQUIRED[layout.kind], *(("date",) if "date" in present else ())]
        for name in required:
            if name in TEXT_COLUMNS or name == "date":
                empty = pl.col(name).fill_null("").str.strip_chars() == ""
                checks.append((name, gettext_lazy("the value is empty"), empty))
            if name == "campaign" and layout.kind == "search_terms" and "ad_group" in present:
                checks.append(
                    (
                        "ad_group",
                        gettext_lazy("the value is empty (only a Performance Max row has no ad group)"),
                        _without_ad_group() & ~_performance_max(present),
                    )
                )
        exprs: list[pl.Expr] = [pl.col("_line")]
        dates = None
        if "date" in present:
            frame = frame.with_columns(pl.col("date").fill_null("").str.strip_chars().alias("__date_text"))
            dates = self._dates(frame)
        if dates is not None:
            checks.append(("date", self._date_reason(), pl.col("__date_bad")))
            exprs += [pl.col("__date").alias("date"), pl.col("__date_to").alias("date_to")]
        else:  # one period: every row is stored from its first day, with its last day beside it
            assert layout.period is not None
            exprs += [
                pl.lit(layout.period[0], dtype=pl.Date).alias("date"),
                pl.lit(layout.period[1], dtype=pl.Date).alias("date_to"),
            ]
        for name in numbers:
            if plain_already[name]:  # no cell to clean, none bad
                exprs.append(values.from_plain_form(name, parsers[name], layout.decimal))
        for name in COUNT_COLUMNS:
            if plain_already[name]:
                continue
            value, bad = values.count_from_plain(pl.col(f"{name}__plain"), name)
            checks.append((name, gettext_lazy("is not a whole number"), bad))
            exprs.append(value)
        for name in (*MONEY_COLUMNS, "conversions"):
            if name not in present:
                exprs.append(
                    pl.lit(
                        None if name == "budget" else 0, dtype=pl.Int64 if name != "conversions" else pl.Float64
                    ).alias(name)
                )
                continue
            if plain_already[name]:
                continue
            parse = values.float_from_plain if name == "conversions" else values.micros_from_plain
            value, bad, negative = parse(pl.col(f"{name}__plain"), name)
            checks.append((name, gettext_lazy("is not a number"), bad))
            checks.append((name, gettext_lazy("is negative; costs and conversions cannot be below zero"), negative))
            exprs.append(value)
        for name in TEXT_COLUMNS:
            if name not in present:
                exprs.append(pl.lit("").alias(name))
            elif name in _DASH_IS_NONE or (name == "ad_group" and layout.kind == "search_terms"):
                # " --": none (a Performance Max row's ad group and keyword, an id the platform has not given)
                exprs.append(
                    pl.when(pl.col(name).fill_null("").str.strip_chars().is_in(values.EMPTY_MARKERS))
                    .then(pl.lit(""))
                    .otherwise(pl.col(name).str.strip_chars())
                    .alias(name)
                )
            else:
                exprs.append(pl.col(name).fill_null("").str.strip_chars().alias(name))
        if dates is not None:
            frame = frame.join(dates, on="__date_text", how="left", maintain_order="left")
        flags = [bad.alias(f"__check{n}") for n, (_, _, bad) in enumerate(checks)]
        parsed = frame.lazy().select(*exprs, *flags).collect()
        failed = parsed.select(pl.col(f"__check{n}").any() for n in range(len(checks))).row(0)
        for number, ((name, reason, _), bad) in enumerate(zip(checks, failed, strict=True)):
            if bad:
                self._fail_first(frame, parsed[f"__check{number}"], name, reason)
        parsed = parsed.drop(f"__check{n}" for n in range(len(checks)))
        parsed = parsed.with_columns(_by_value(parsed, "match_type", values.match_type_expr))
        parsed = parsed.with_columns(values.base_match_type("match_type").alias("keyword_match_type"))
        return _keyword_syntax(parsed)

    def _dates(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Each distinct time cell of the chunk with its first and last day (and whether it is bad), to join on
        ``__date_text``: a chunk of a million rows holds a few hundred distinct days, weeks or months."""
        layout = self.layout
        distinct = frame.select(pl.col("__date_text").unique())
        if layout.header.segment == "day":
            parsed, bad = values.date_expr("__date_text", layout.date_order)
            return distinct.with_columns(
                parsed.alias("__date"), pl.lit(None, dtype=pl.Date).alias("__date_to"), bad.alias("__date_bad")
            )
        month_first = layout.header.microsoft and not layout.header.spanish
        found = {
            cell: periods.segment_period(cell, layout.header.segment, month_first=month_first)
            for cell in distinct["__date_text"]
        }
        if layout.period is not None:  # the first and last week or month hold only the report's days
            first, last = layout.period
            found = {
                cell: (max(span[0], first), min(span[1], last))
                if span and span[0] <= last and span[1] >= first
                else span
                for cell, span in found.items()
            }
        cells = list(found)
        spans = [found[cell] for cell in cells]
        return pl.DataFrame(
            {
                "__date_text": cells,
                "__date": [span[0] if span else None for span in spans],
                "__date_to": [span[1] if span else None for span in spans],
                "__date_bad": [span is None for span in spans],
            },
            schema={"__date_text": pl.String, "__date": pl.Date, "__date_to": pl.Date, "__date_bad": pl.Boolean},
        )

    def _date_reason(self) -> str:
        segment = self.layout.header.segment
        if segment == "day":
            return gettext("is not a date (expected YYYY-MM-DD or the report's format)")
        return str(PERIOD_REASONS[segment])

    def _fail_first(self, frame: pl.DataFrame, bad: pl.Series, name: str, reason: str | Promise) -> None:
        failing = frame.filter(bad).head(1)
        raw = failing[name][0]
        if raw is None:
            message = gettext("%(reason)s (%(report)s: correct the cell, or download the report again)")
        else:
            message = gettext("%(value)s %(reason)s (%(report)s: correct the cell, or download the report again)")
        raise ReportError(
            message % {"value": shown(raw), "reason": reason, "report": self.layout.kind_words},
            line=int(failing["_line"][0]),
            column=self.layout.column_name(name),
        )


_DASH_IS_NONE = ("keyword", "campaign_id", "ad_group_id", "budget_name")
_PARSERS = {**dict.fromkeys(COUNT_COLUMNS, "count"), "conversions": "float"}  # the rest of the numbers: money


def _all_performance_max(head: list[str], header_line: int, header: list[str]) -> bool:
    """Whether the rows below the header (total lines aside) all have "Performance Max" as their match type, as a
    search terms report downloaded from inside a Performance Max campaign has."""
    names = [canonical(cell) for cell in header]
    if "match_type" not in names:
        return False
    position = names.index("match_type")
    separator = next(s for s in ("\t", ",", ";") if s in head[header_line - 1])
    rows = [split_line(line, separator, None) for line in head[header_line:] if line.strip()]
    rows = [cells for cells in rows if cells and not re.match(_TOTAL, cells[0].strip()) and position < len(cells)]
    return bool(rows) and all("performance max" in cells[position].strip().lower() for cells in rows)


def _without_ad_group() -> pl.Expr:
    return pl.col("ad_group").fill_null("").str.strip_chars().is_in(values.EMPTY_MARKERS)


def _performance_max(present: dict[str, int]) -> pl.Expr:
    """Rows of a Performance Max campaign, by their match type or campaign type cell."""
    said = [
        pl.col(name).fill_null("").str.to_lowercase().str.contains("performance max", literal=True)
        for name in ("match_type", "campaign_type")
        if name in present
    ]
    return pl.any_horizontal(said) if said else pl.lit(False)


def _by_value(frame: pl.DataFrame, column: str, expr: Callable[[str], pl.Expr]) -> pl.Expr:
    """``expr(column)`` worked out once per distinct value: report columns such as match types hold a handful."""
    distinct = frame.select(pl.col(column).unique())
    mapped = distinct.select(pl.col(column).alias("__from"), expr(column).alias("__to"))
    return pl.col(column).replace_strict(mapped["__from"], mapped["__to"], return_dtype=pl.String).alias(column)


def _keyword_syntax(frame: pl.DataFrame) -> pl.DataFrame:
    """``values.keyword_syntax_expr`` worked out once per distinct keyword and match type, and joined back: a
    chunk of search terms names its keywords over and over."""
    pairs = frame.select("keyword", "keyword_match_type").unique()
    resolved = pairs.with_columns(
        expr.alias(f"__{expr.meta.output_name()}")
        for expr in values.keyword_syntax_expr("keyword", "keyword_match_type")
    )
    return (
        frame.join(resolved, on=["keyword", "keyword_match_type"], how="left", maintain_order="left")
        .drop("keyword", "keyword_match_type")
        .rename({"__keyword": "keyword", "__keyword_match_type": "keyword_match_type"})
    )


HEADER_CELLS_SHOWN = 30


def split_line(line: str, separator: str, number: int | None, names: tuple[str, ...] | list[str] = ()) -> list[str]:
    """One line's cells; a cell past the csv module's size limit is a ReportError naming its line and column."""
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _cell_too_long(line, separator, number, names) from None
        raise ReportError(gettext("the row cannot be read as CSV (%(error)s)") % {"error": exc}, line=number) from None


def _cell_too_long(line: str, separator: str, number: int | None, names: tuple[str, ...] | list[str]) -> ReportError:
    """The first over-long cell of ``line`` (found without the csv module, which is what refuses it)."""
    limit = min(csv.field_size_limit(), HEAD_LINE_CHARS) // 2
    for position, piece in enumerate(line.split(separator)):
        if len(piece) > limit:
            column = names[position] if position < len(names) else f"#{position + 1}"
            return ReportError(
                gettext(
                    "a cell has over %(limit)s characters (%(start)s); report cells are far shorter: is this the "
                    "right file?"
                )
                % {"limit": count(limit), "start": shown(piece, 40)},
                line=number,
                column=column,
            )
    return ReportError(
        gettext("the row has over %(limit)s characters: is this the right file?") % {"limit": count(HEAD_LINE_CHARS)},
        line=number,
    )
