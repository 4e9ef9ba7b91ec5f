"""Every list of the marketer's pages: sorted, filtered, paged and downloaded as CSV by one helper.

A page declares its table once (a :class:`Spec`: columns, the sort fields it allows, the default order, where the
organization sits in its rows) and binds it to the request and a queryset: ``?sort=-cost&q=cemento&page=2``
choose the rows, ``?format=csv`` downloads all of them in that order (docs/tables.md). Several tables on one page
read prefixed parameters (``terms-sort``, ``terms-q``…). The queryset is always narrowed to the organization here,
whatever the view passed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone

from campaigns.exporters.cells import neutralise
from campaigns.models import Organization
from campaigns.templatetags.campaign_numbers import separators

TEXT, COUNT, NUMBER, MONEY, PERCENT, DATE, DATETIME = "text", "count", "number", "money", "percent", "date", "datetime"
NUMERIC = {COUNT, NUMBER, MONEY, PERCENT}
PER_PAGE = 50


@dataclass(frozen=True)
class Column:
    """One column: ``value`` reads a row's raw value (text, a count, micros, a ratio, a date or None for unknown)
    for the CSV and for sorting rows in memory; ``order`` is the ORM path a queryset sorts and filters by."""

    key: str
    label: Any  # a lazy translation
    value: Callable[[Any], Any]
    kind: str = TEXT
    order: str | None = None
    sortable: bool = True
    decimals: int = 2
    help: Any = ""  # what the column means, shown with its header
    lookups: tuple[str, ...] = ()  # the ORM paths ?q= searches for this column (default: ``order``)


@dataclass(frozen=True)
class Spec:
    """A table of a page. ``in_memory`` tables sort and filter in Python, after ``decorate`` has attached values
    computed outside the database (an ad group's totals); the others sort, filter and page in the database."""

    name: str  # the parameters' prefix ("" on a page with one table)
    caption: Any
    columns: tuple[Column, ...]
    default_sort: str  # a column key, "-" first for descending
    search: tuple[str, ...]  # the column keys ?q= looks in
    scope: str = "organization"  # the rows' path to their organization
    filename: str = "table"  # the CSV's name and the table's HTML id
    per_page: int = PER_PAGE
    in_memory: bool = False

    def __post_init__(self) -> None:
        keys = {column.key for column in self.columns}
        if self.default_sort.lstrip("-") not in keys:
            raise ValueError(f"{self.name}: default_sort {self.default_sort!r} is not a column")
        if not set(self.search) <= keys:
            raise ValueError(f"{self.name}: search names a missing column")
        if not self.in_memory and any(c.sortable and not c.order for c in self.columns):
            raise ValueError(f"{self.name}: a sortable column of a database table needs its order path")
        if not self.in_memory and any(not (c.order or c.lookups) for c in self.columns if c.key in self.search):
            raise ValueError(f"{self.name}: a searched column of a database table needs its paths")

    def param(self, name: str) -> str:
        return f"{self.name}-{name}" if self.name else name

    def column(self, key: str) -> Column | None:
        return next((column for column in self.columns if column.key == key and column.sortable), None)


@dataclass(frozen=True)
class Header:
    label: Any
    numeric: bool
    url: str | None  # None: not sortable
    aria_sort: str | None  # "ascending" / "descending" on the sorted column only
    help: Any
    help_id: str


@dataclass
class Table:
    """A :class:`Spec` bound to a request: the page of rows to show, the headers' links, the filter and CSV links."""

    spec: Spec
    params: QueryDict
    rows_source: QuerySet | list
    sort_key: str
    descending: bool
    query: str
    # the number of rows when the view knows it without reading them (no filter applied, or none at all): no query
    # reads an empty table, and no COUNT query pages a long one
    known_count: int | None = None
    anchor: str = field(init=False)

    def __post_init__(self) -> None:
        self.anchor = self.spec.filename

    @property
    def wants_csv(self) -> bool:
        return self.params.get(self.spec.param("format")) == "csv"

    @cached_property
    def page(self) -> Page:
        paginator = Paginator(self.rows_source, self.spec.per_page, allow_empty_first_page=True)
        if self.known_count is not None:
            paginator.count = self.known_count  # a cached_property: the value it would have computed
            if not self.known_count:
                return Page([], 1, paginator)
        elif self.params.get(self.spec.param("page"), "1") == "1":
            # The first page, as most views ask for, read with one row more: up to a page of rows are all the
            # rows, so their number is the count, without a COUNT query (most tables fit on one page).
            first = list(self.rows_source[: self.spec.per_page + 1])
            if len(first) <= self.spec.per_page:
                paginator.count = len(first)  # a cached_property: the value it would have computed
            return Page(first[: self.spec.per_page], 1, paginator)
        return paginator.get_page(self.params.get(self.spec.param("page")))

    @cached_property
    def rows(self) -> list:
        """The rows of the page asked for."""
        return list(self.page.object_list)

    @property
    def q_param(self) -> str:
        return self.spec.param("q")

    def url(self, **changes: str | None) -> str:
        """This page's URL with some of this table's parameters changed (None removes one), back at the table."""
        params = self.params.copy()
        for name, value in changes.items():
            params.pop(self.spec.param(name), None)
            if value is not None:
                params[self.spec.param(name)] = value
        return f"?{params.urlencode()}#{self.anchor}" if params else f"?#{self.anchor}"

    def page_url(self, number: int) -> str:
        return self.url(page=str(number), format=None)

    @cached_property
    def pager(self) -> dict:
        """Links to the first, previous, next and last pages (None where there is none) and where we are."""
        page, last = self.page, self.page.paginator.num_pages
        return {
            "number": page.number,
            "pages": last,
            "first": self.page_url(1) if page.number > 2 else None,
            "previous": self.page_url(page.number - 1) if page.has_previous() else None,
            "next": self.page_url(page.number + 1) if page.has_next() else None,
            "last": self.page_url(last) if page.number < last - 1 else None,
        }

    @property
    def csv_url(self) -> str:
        return self.url(page=None, format="csv").split("#")[0]

    @property
    def clear_url(self) -> str:
        return self.url(q=None, page=None, format=None)

    @property
    def kept_params(self) -> list[tuple[str, str]]:
        """The other parameters of the page (other tables, the dashboard's dates) for the filter form to carry."""
        own = {self.spec.param(name) for name in ("q", "page", "format")}
        return [(name, value) for name, values in self.params.lists() if name not in own for value in values]

    @cached_property
    def headers(self) -> list[Header]:
        headers = []
        for column in self.spec.columns:
            current = column.sortable and column.key == self.sort_key
            if not column.sortable:
                url = None
            elif current:
                url = self.url(sort=column.key if self.descending else f"-{column.key}", page=None, format=None)
            else:  # numbers and dates biggest and newest first, text A to Z
                first = f"-{column.key}" if column.kind in NUMERIC | {DATE, DATETIME} else column.key
                url = self.url(sort=first, page=None, format=None)
            aria_sort = ("descending" if self.descending else "ascending") if current else None
            help_id = f"{self.anchor}-{column.key}-help"
            headers.append(Header(column.label, column.kind in NUMERIC, url, aria_sort, column.help, help_id))
        return headers

    @cached_property
    def notes(self) -> list[Header]:
        return [header for header in self.headers if header.help]

    def csv_response(self, *, currency: str, basename: str) -> HttpResponse:
        """Every row that the filter keeps, in the table's order: cells in the marketer's language, text cells
        neutralised for spreadsheets (docs/security.md)."""
        decimal_separator, _thousands = separators()
        # Where a comma is the decimal separator, spreadsheets expect semicolons between cells (Excel, LibreOffice).
        delimiter = ";" if decimal_separator == "," else ","
        rows = (
            self.rows_source.iterator(chunk_size=2000) if isinstance(self.rows_source, QuerySet) else self.rows_source
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{basename}-{self.spec.filename}.csv"'
        response.write("\ufeff")  # the byte-order mark makes Excel read UTF-8
        writer = csv.writer(response, delimiter=delimiter)
        writer.writerow([_csv_label(column, currency) for column in self.spec.columns])
        for row in rows:
            writer.writerow([_csv_cell(column, column.value(row), decimal_separator) for column in self.spec.columns])
        return response


def _csv_label(column: Column, currency: str) -> str:
    if column.kind == MONEY:
        return f"{column.label} ({currency})"
    if column.kind == PERCENT:
        return f"{column.label} (%)"
    return str(column.label)


def _csv_cell(column: Column, value: Any, decimal_separator: str) -> str:
    """A cell as text; an unknown value is an empty cell, never a zero. Numbers are written by us and never start
    a formula, so only text is neutralised."""
    if value is None:
        return ""
    if column.kind == COUNT:
        return str(int(value))
    if column.kind in (NUMBER, PERCENT, MONEY):
        if column.kind == MONEY:
            number = Decimal((abs(value) + 5_000) // 10_000) / 100 * (-1 if value < 0 else 1)
            text = f"{number:.2f}"
        else:
            text = f"{(100 * value if column.kind == PERCENT else value):.{column.decimals}f}"
        return text.replace(".", decimal_separator)
    if column.kind == DATETIME and isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if column.kind == DATE and isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def bind(
    request: HttpRequest,
    spec: Spec,
    rows: QuerySet,
    organization: Organization,
    decorate: Callable[[list], None] | None = None,
    count: int | None = None,
) -> Table:
    """``rows`` of ``organization`` only, filtered by ``?q=`` and sorted by ``?sort=`` (a column the spec allows;
    anything else falls back to the default order). ``count``: how many rows there are before the filter, when the
    view has read it already."""
    params = request.GET
    rows = rows.filter(**{spec.scope: organization})
    column, descending = _sort(params, spec)
    query = params.get(spec.param("q"), "").strip()[:200]
    searched = [c for c in spec.columns if c.key in spec.search]
    if spec.in_memory:
        listed = list(rows)
        if decorate is not None:
            decorate(listed)
        source: QuerySet | list = _sorted(_matching(listed, searched, query), column, descending)
    else:
        if query:
            rows = rows.filter(_search_q(searched, query))
        assert column.order is not None  # Spec.__post_init__: a database table's sortable columns have one
        expression = F(column.order)
        ordering = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        source = rows.order_by(ordering, "-pk" if descending else "pk")
    known = count if count == 0 or not query else None  # a filter keeps none of no rows
    return Table(spec, params, source, column.key, descending, query, known)


def sort_key(request: HttpRequest, spec: Spec) -> str:
    """The key of the column ``bind`` will sort ``spec``'s rows by (for a view whose best query depends on it)."""
    return _sort(request.GET, spec)[0].key


def _sort(params: QueryDict, spec: Spec) -> tuple[Column, bool]:
    """The column ``?sort=`` asks for and whether descending; anything else falls back to the default order."""
    wanted = params.get(spec.param("sort"), "")
    column = spec.column(wanted.lstrip("-"))
    if column is None:
        wanted = spec.default_sort
        column = spec.column(wanted.lstrip("-"))
    assert column is not None  # __post_init__ checked the default
    return column, wanted.startswith("-")


def csv_download(tables: Iterable[Table], *, currency: str, basename: str) -> HttpResponse | None:
    """The CSV of the page's table that asked for one (``?format=csv``), or None to render the page."""
    return next((table.csv_response(currency=currency, basename=basename) for table in tables if table.wants_csv), None)


def _search_q(columns: list[Column], query: str) -> Q:
    condition = Q()
    for column in columns:
        for path in column.lookups or (column.order,):
            condition |= Q(**{f"{path}__icontains": query})
    return condition


def _matching(rows: list, columns: list[Column], query: str) -> list:
    if not query:
        return rows
    needle = query.casefold()
    return [row for row in rows if any(needle in str(column.value(row) or "").casefold() for column in columns)]


def _sorted(rows: list, column: Column, descending: bool) -> list:
    """Unknown values last in both directions, as the database sorts them (``nulls_last``)."""
    known = [row for row in rows if column.value(row) is not None]
    unknown = [row for row in rows if column.value(row) is None]

    def key(row: Any) -> Any:
        value = column.value(row)
        return value.casefold() if isinstance(value, str) else value

    return sorted(known, key=key, reverse=descending) + unknown
