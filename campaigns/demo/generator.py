"""Seeded daily performance for the demo catalog, written as the Spanish Google Ads reports a marketer
downloads (title line, date-range line, header, rows, "Total" rows), so the demo enters through the real
import path.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from campaigns.demo.catalog import CATALOG

DAY_OF_WEEK = (1.1, 1.15, 1.1, 1.05, 1.0, 0.75, 0.6)  # Monday first: builders search on workdays
MATCH_NAMES = {"exact": "Concordancia exacta", "phrase": "Concordancia de frase", "broad": "Concordancia amplia"}


def keyword_match(keyword: str) -> tuple[str, str]:
    if keyword.startswith("["):
        return keyword.strip("[]"), "exact"
    if keyword.startswith('"'):
        return keyword.strip('"'), "phrase"
    return keyword, "broad"


def euros(micros: int) -> str:
    """Spanish number format, as the Spanish UI writes it: 1.234,56."""
    whole, cents = divmod(round(micros / 10_000), 100)
    return f"{whole:,}".replace(",", ".") + f",{cents:02d}"


@dataclass(frozen=True)
class TermDay:
    campaign: str
    ad_group: str
    term: str
    keyword: str
    day: date
    impressions: int
    clicks: int
    cost_micros: int
    conversions: int
    value_micros: int


def simulate(seed: int, days: int, end: date) -> list[TermDay]:
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(days):
        day = end - timedelta(days=days - 1 - offset)
        season = DAY_OF_WEEK[day.weekday()]
        for campaign in CATALOG:
            for group in campaign.groups:
                for term in group.terms:
                    impressions = int(rng.poisson(term.daily_impressions * 2 * season))
                    if impressions == 0:
                        continue  # the platforms leave out rows without impressions
                    clicks = int(rng.binomial(impressions, term.ctr))
                    cpc_cents = np.maximum(1, np.round(term.cpc * 100 * rng.lognormal(0, 0.25, clicks)))
                    conversions = int(rng.binomial(clicks, term.cvr)) if clicks else 0
                    value = sum(campaign.order_value * rng.lognormal(0, 0.3) for _ in range(conversions))
                    rows.append(TermDay(campaign.name, group.name, term.text, term.keyword, day, impressions,
                                        clicks, int(cpc_cents.sum()) * 10_000, conversions,
                                        round(value * 100) * 10_000))
    return rows


def _write(path: Path, title: str, start: date, end: date, header: list[str], rows: list[list[str]],
           totals: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"{title}\n{start:%d/%m/%Y} - {end:%d/%m/%Y}\n")
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow(totals)
    return path


def _totals(rows: list[TermDay]) -> tuple[int, int, str, int, str]:
    return (sum(r.impressions for r in rows), sum(r.clicks for r in rows), euros(sum(r.cost_micros for r in rows)),
            sum(r.conversions for r in rows), euros(sum(r.value_micros for r in rows)))


def write_reports(directory: Path, *, seed: int, days: int, end: date) -> dict[str, Path]:
    """The campaign, keyword and search-terms reports of the demo account over ``days`` ending ``end``."""
    rows = simulate(seed, days, end)
    start = end - timedelta(days=days - 1)
    imp, clicks, cost, conv, value = _totals(rows)
    terms = _write(
        directory / "terminos_de_busqueda.csv", "Informe de términos de búsqueda", start, end,
        ["Término de búsqueda", "Tipo de concordancia", "Campaña", "Grupo de anuncios", "Palabra clave", "Día",
         "Impr.", "Clics", "Código de moneda", "Coste", "Conversiones", "Valor de conv."],
        [[r.term, MATCH_NAMES[keyword_match(r.keyword)[1]], r.campaign, r.ad_group, r.keyword, f"{r.day:%Y-%m-%d}",
          str(r.impressions), str(r.clicks), "EUR", euros(r.cost_micros), str(r.conversions), euros(r.value_micros)]
         for r in rows],
        ["Total: cuenta", "", "", "", "", "--", str(imp), str(clicks), "EUR", cost, str(conv), value],
    )
    by_keyword: dict[tuple[str, str, str, date], list[TermDay]] = {}
    by_campaign: dict[tuple[str, date], list[TermDay]] = {}
    for r in rows:
        by_keyword.setdefault((r.campaign, r.ad_group, r.keyword, r.day), []).append(r)
        by_campaign.setdefault((r.campaign, r.day), []).append(r)
    keyword_rows = []
    for (campaign, group, keyword, day), items in by_keyword.items():
        k_imp, k_clicks, k_cost, k_conv, k_value = _totals(items)
        keyword_rows.append([campaign, group, keyword, MATCH_NAMES[keyword_match(keyword)[1]], f"{day:%Y-%m-%d}",
                             str(k_imp), str(k_clicks), "EUR", k_cost, str(k_conv), k_value])
    keywords = _write(
        directory / "palabras_clave.csv", "Informe de palabras clave", start, end,
        ["Campaña", "Grupo de anuncios", "Palabra clave", "Tipo de concordancia", "Día", "Impr.", "Clics",
         "Código de moneda", "Coste", "Conversiones", "Valor de conv."],
        keyword_rows,
        ["Total: cuenta", "", "", "", "--", str(imp), str(clicks), "EUR", cost, str(conv), value],
    )
    budgets = {spec.name: spec.daily_budget for spec in CATALOG}
    campaign_rows = []
    for (campaign, day), items in by_campaign.items():
        c_imp, c_clicks, c_cost, c_conv, c_value = _totals(items)
        campaign_rows.append([campaign, f"{day:%Y-%m-%d}", euros(int(budgets[campaign] * 1_000_000)), "EUR",
                              str(c_imp), str(c_clicks), c_cost, str(c_conv), c_value])
    campaigns = _write(
        directory / "campanas.csv", "Informe de campañas", start, end,
        ["Campaña", "Día", "Presupuesto", "Código de moneda", "Impr.", "Clics", "Coste", "Conversiones",
         "Valor de conv."],
        campaign_rows,
        ["Total: cuenta", "--", "", "EUR", str(imp), str(clicks), cost, str(conv), value],
    )
    return {"campaign": campaigns, "keyword": keywords, "search_terms": terms}
