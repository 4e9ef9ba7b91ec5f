"""The dashboard's charts and the tables' headers in a real browser: values in the legend and the tooltip in the
organization's currency and the page's language, a header click that sorts, a CSV that downloads."""

from __future__ import annotations

import re

import pytest

from campaigns.models import Membership, SearchTerm
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_the_chart_legend_and_tooltip_show_values(page, live_server, demo):
    sign_in(page, live_server, "visor")
    page.goto(f"{live_server.url}/dashboard/?range=last_7")
    page.wait_for_load_state("networkidle")
    legend = page.locator("#chart-spend .u-legend").inner_text()
    assert "--" not in legend
    assert re.search(r"Day:?\s*Nov 25, 2026", legend) and re.search(r"Spend \(EUR\):?\s*€\d+\.\d\d", legend)
    over = page.locator("#chart-spend .u-over").bounding_box()
    page.mouse.move(over["x"] + over["width"] / 2, over["y"] + over["height"] / 2)
    tip = page.locator("#chart-spend .chart-tip")
    assert tip.is_visible()
    assert re.fullmatch(r"Nov 2\d, 2026\nSpend \(EUR\): €\d+\.\d\d\nConversions: [\d.]+", tip.inner_text())


def test_a_spanish_chart_writes_spanish_numbers(page, live_server, demo):
    from campaigns.models import UserPreference

    UserPreference.objects.create(user=Membership.objects.get(organization=demo, role="viewer").user, language="es")
    sign_in(page, live_server, "visor")
    page.goto(f"{live_server.url}/dashboard/?range=last_7")
    page.wait_for_load_state("networkidle")
    legend = page.locator("#chart-spend .u-legend").inner_text()
    assert re.search(r"Día:?\s*25 nov 2026", legend) and re.search(r"Gasto \(EUR\):?\s*\d+,\d\d\s€", legend)


def test_a_header_sorts_the_table_and_the_csv_downloads(page, live_server, demo):
    sign_in(page, live_server, "visor")
    page.goto(f"{live_server.url}/search-terms/")
    page.locator("#search-terms thead").get_by_role("link", name="Clicks").click()
    page.wait_for_url(re.compile(r".*terms-sort=-clicks.*"))
    header = page.locator("#search-terms th", has_text="Clicks")
    assert header.get_attribute("aria-sort") == "descending"
    first = page.locator("#search-terms tbody tr").first.locator("td").nth(4).inner_text()
    most = max(SearchTerm.objects.filter(organization=demo).values_list("daily__clicks", flat=True))
    assert int(first.replace(",", "")) >= most
    with page.expect_download() as download:
        page.locator("form.table-tools:has(input[name=terms-q]) a.download").click()
    assert download.value.suggested_filename == f"{demo.slug}-search-terms.csv"
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert lines[0] == "Search term,Served by,Matched ad group,Relevance,Clicks,Cost (EUR),Conversions"
    assert len(lines) == SearchTerm.objects.filter(organization=demo).count() + 1
