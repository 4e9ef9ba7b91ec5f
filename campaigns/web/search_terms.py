"""Search terms with their matched ad group, and the proposed negatives to approve or reject (one or in bulk)."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.contrib import messages
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from campaigns.models import Membership, SearchTerm, SearchTermDaily, Suggestion, SuggestionKind, SuggestionStatus
from campaigns.services import page_sql
from campaigns.services.suggestions import SuggestionError, decide
from campaigns.templatetags.campaign_terms import current_match
from campaigns.web import tables
from campaigns.web.context import organization_view, require_edit
from campaigns.web.jobs import matching_status
from campaigns.web.tables import COUNT, DATETIME, MONEY, NUMBER, Column, Spec

BLOCKED = "evidence__would_have_blocked__"
# the fields a pending negative's row and CSV read (campaigns/_negative_row.html, the columns below)
PENDING_SHOWN = (
    "text",
    "match_type",
    "level",
    "evidence",
    "campaign__name",
    "ad_group__name",
    "ad_group__campaign__name",
)
PENDING = Q(status=SuggestionStatus.PENDING)
SCULPTING_KIND = Q(evidence__kind="sculpting")
# Which negatives each table lists. Shown apart: waste saves money, sculpting only moves traffic to another ad
# group (rows from before the split carry no kind and were all waste).
IN_TABLE = {
    "waste": PENDING & (Q(evidence__kind__isnull=True) | ~SCULPTING_KIND),
    "sculpting": PENDING & SCULPTING_KIND,
    "decided": ~PENDING,
}
RELEVANCE_HELP = gettext_lazy(
    "how close the search term is to the intent of the ad group it was matched to, from 0 "
    "(unrelated) to 1 (the same meaning); below the matching threshold a term is out of scope."
)


def _where(suggestion: Suggestion) -> str:
    if suggestion.ad_group:
        return f"{suggestion.ad_group.campaign.name} › {suggestion.ad_group.name}"
    return suggestion.campaign.name if suggestion.campaign else _("Shared list")


def _blocked(name: str, default: object = None) -> Callable[[Suggestion], Any]:
    return lambda suggestion: (suggestion.evidence.get("would_have_blocked") or {}).get(name, default)


def _negative_columns(middle: Column, cost_label: object) -> tuple[Column, ...]:
    return (
        Column("text", gettext_lazy("Negative"), attrgetter("text"), order="text"),
        Column("match_type", gettext_lazy("Match type"), lambda s: _(s.get_match_type_display()), order="match_type"),
        Column("level", gettext_lazy("Level"), lambda s: _(s.get_level_display()), order="level"),
        Column(
            "where",
            gettext_lazy("Where"),
            _where,
            sortable=False,
            lookups=("campaign__name", "ad_group__name", "ad_group__campaign__name"),
        ),
        middle,
        Column("cost", cost_label, _blocked("cost_micros"), MONEY, order=f"{BLOCKED}cost_micros"),
        Column("clicks", gettext_lazy("Clicks"), _blocked("clicks"), COUNT, order=f"{BLOCKED}clicks"),
    )


WASTE = Spec(
    name="waste",
    caption=gettext_lazy("Waste: no ad group is relevant"),
    filename="pending-negatives",
    columns=_negative_columns(
        Column(
            "blocked", gettext_lazy("Would have blocked"), lambda s: ", ".join(_blocked("terms", [])(s)), sortable=False
        ),
        gettext_lazy("Would have saved"),
    ),
    default_sort="-cost",
    search=("text", "where"),
)
SCULPTING = Spec(
    name="sculpting",
    caption=gettext_lazy("Sculpting: the term belongs to another ad group"),
    filename="sculpting-negatives",
    columns=_negative_columns(
        Column(
            "route",
            gettext_lazy("Traffic would go to"),
            lambda s: (s.evidence.get("route_to") or {}).get("path"),
            sortable=False,
        ),
        gettext_lazy("Cost moved"),
    ),
    default_sort="-cost",
    search=("text", "where"),
)
DECIDED = Spec(
    name="decided",
    caption=gettext_lazy("Recently decided"),
    filename="decided-negatives",
    per_page=20,
    columns=(
        Column("text", gettext_lazy("Negative"), attrgetter("text"), order="text"),
        Column("match_type", gettext_lazy("Match type"), lambda s: _(s.get_match_type_display()), order="match_type"),
        Column("status", gettext_lazy("Decision"), lambda s: _(s.get_status_display()), order="status"),
        Column(
            "by",
            gettext_lazy("By"),
            lambda s: s.decided_by.username if s.decided_by else None,
            order="decided_by__username",
        ),
        Column("when", gettext_lazy("When"), attrgetter("decided_at"), DATETIME, order="decided_at"),
    ),
    default_sort="-when",
    search=("text", "by"),
)
TERMS = Spec(
    name="terms",
    caption=gettext_lazy("Search terms"),
    filename="search-terms",
    columns=(
        Column("text", gettext_lazy("Search term"), attrgetter("text"), order="text"),
        Column(
            "served_by",
            gettext_lazy("Served by"),
            lambda t: f"{t.ad_group.campaign.name} › {t.ad_group.name}" if t.ad_group else None,
            order="ad_group__campaign__name",
            lookups=("ad_group__campaign__name", "ad_group__name"),
        ),
        Column("matched", gettext_lazy("Matched ad group"), lambda t: _matched(t), order="match__ad_group__name"),
        Column(
            "relevance",
            gettext_lazy("Relevance"),
            lambda t: match.score if (match := current_match(t)) else None,
            NUMBER,
            order="match__score",
            help=RELEVANCE_HELP,
        ),
        Column("clicks", gettext_lazy("Clicks"), attrgetter("clicks"), COUNT, order="clicks"),
        Column("cost", gettext_lazy("Cost"), attrgetter("cost_micros"), MONEY, order="cost_micros"),
        Column(
            "conversions",
            gettext_lazy("Conversions"),
            attrgetter("conversions"),
            NUMBER,
            order="conversions",
            decimals=1,
        ),
    ),
    default_sort="-cost",
    search=("text", "served_by", "matched"),
)


def _matched(term: SearchTerm) -> str:
    match = current_match(term)
    if match is None:
        return _("not matched yet")
    return match.ad_group.name if match.ad_group else _("out of scope")


@require_http_methods(["GET", "POST"])
@organization_view
def search_terms(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method == "POST":
        require_edit(membership)
        _decide(request, membership)
        # back to the same pages, order and filters of the tables
        query = request.GET.urlencode()
        return redirect(reverse("campaigns:search_terms") + (f"?{query}" if query else ""))
    organization = membership.organization
    negatives = Suggestion.objects.filter(kind=SuggestionKind.NEGATIVE)
    # only what the rows and their CSV show: every column of the three joined tables took a third of the page's
    # time in building the queries
    pending = negatives.select_related("campaign", "ad_group__campaign").only(*PENDING_SHOWN)
    counts = _negative_counts(organization.pk)
    # only the columns the table and its CSV show: every column of the six joined tables made the rows' query
    # (building, reading, instances) 15 % slower
    shown = ("text", "campaign__name", "ad_group__name", "ad_group__campaign__name", "match__score")
    terms = (
        SearchTerm.objects.select_related("campaign", "ad_group__campaign", "match__ad_group")
        .only(*shown, "match__ad_group__name")
        .annotate(**_term_totals(by_total=tables.sort_key(request, TERMS) in TOTALS))
    )
    page_tables = {
        "waste": tables.bind(request, WASTE, pending.filter(IN_TABLE["waste"]), organization, count=counts["waste"]),
        "sculpting": tables.bind(
            request, SCULPTING, pending.filter(IN_TABLE["sculpting"]), organization, count=counts["sculpting"]
        ),
        "decided": tables.bind(request, DECIDED, _decided(negatives), organization, count=counts["decided"]),
        "terms": tables.bind(request, TERMS, terms, organization),
    }
    download = tables.csv_download(page_tables.values(), currency=organization.currency, basename=organization.slug)
    return download or render(request, "campaigns/search_terms.html", {**page_tables, **matching_status(organization)})


TOTALS = ("cost", "clicks", "conversions")  # the terms table's columns summed over a term's days


def _term_totals(*, by_total: bool) -> dict[str, Sum | Subquery]:
    """Each term's clicks, cost and conversions over its days (None without any). Sorted by one of them, every
    term's totals are needed: the days joined and summed under one GROUP BY are then fastest. Sorted otherwise,
    only the page's terms need them: summed apart for each term, only those rows are read (and the row count
    does not join the days at all). Measured with 3,030 terms and 272,700 days (PostgreSQL, planner statistics
    up to date): by cost 250 ms joined, 405 ms apart; by text 240 ms joined, 11 ms apart; the demo's 30 terms by
    cost 6.2 ms joined, 9.7 ms apart."""
    return {
        name: Sum(f"daily__{name}") if by_total else _daily_sum(name)
        for name in ("cost_micros", "clicks", "conversions")
    }


def _daily_sum(field: str) -> Subquery:
    """A term's total of ``field`` over its days (None without any), summed apart for each term."""
    days = SearchTermDaily.objects.filter(search_term=OuterRef("pk")).order_by().values("search_term")
    return Subquery(days.annotate(total=Sum(field)).values("total"))


def _negative_counts(organization_id: int) -> dict[str, int]:
    """How many negatives each table lists, before its filter: one query, whose SQL is written once per process
    (building it took as long as a table's query), so that no query reads an empty table (a new organization's,
    the sculpting table of most)."""
    rows = _counts_query(organization_id)
    return dict(zip(IN_TABLE, rows[0] if rows else [0] * len(IN_TABLE), strict=True))


@page_sql.per_organization
def _counts_query(organization_id: int) -> QuerySet:
    return (
        Suggestion.objects.filter(organization_id=organization_id, kind=SuggestionKind.NEGATIVE)
        .order_by()
        .values("organization")
        .annotate(**{name: Count("pk", filter=where) for name, where in IN_TABLE.items()})
        .values_list(*IN_TABLE)
    )


def _decided(negatives: QuerySet) -> QuerySet:
    return (
        negatives.filter(IN_TABLE["decided"])
        .select_related("decided_by")
        .only("text", "match_type", "status", "decided_at", "decided_by__username")
    )


def _decide(request: HttpRequest, membership: Membership) -> None:
    """``one`` = "approve:ID" from a row's button, or the checked ``ids`` with ``decision`` from the bulk buttons."""
    if request.POST.get("one"):
        decision, _sep, raw_id = request.POST["one"].partition(":")
        raw_ids = [raw_id]
    else:
        decision, raw_ids = request.POST.get("decision", ""), request.POST.getlist("ids")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return
    ids = [int(value) for value in raw_ids if value.isdigit()]
    # Only this organization's pending negatives: another organization's ids are silently not found.
    found = list(
        Suggestion.objects.filter(
            organization=membership.organization, kind=SuggestionKind.NEGATIVE, pk__in=ids
        ).values_list("pk", flat=True)
    )
    done = 0
    for suggestion_id in found:
        try:
            decide(suggestion_id, approve=decision == "approve", user=request.user)
            done += 1
        except SuggestionError as exc:
            messages.warning(request, str(exc))
    if decision == "approve":
        messages.success(
            request, ngettext("%(count)d negative approved.", "%(count)d negatives approved.", done) % {"count": done}
        )
    else:
        messages.success(
            request, ngettext("%(count)d negative rejected.", "%(count)d negatives rejected.", done) % {"count": done}
        )
