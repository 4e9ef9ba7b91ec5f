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

from campaigns.demo.catalog import CATALOG, CampaignSpec
from ml.budgets import DayStats
from ml.budgets.simulator import CampaignCurve, Market

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


def _curve(index: int, spec: CampaignSpec) -> CampaignCurve:
    """The campaign's true response curve, from its search terms' rates (click-weighted)."""
    terms = [term for group in spec.groups for term in group.terms]
    clicks = np.array([t.daily_impressions * spec.volume * t.ctr for t in terms])
    impressions = np.array([t.daily_impressions * spec.volume for t in terms])
    return CampaignCurve(
        campaign_id=str(index),
        name=spec.name,
        cpc=float(clicks @ [t.cpc for t in terms] / clicks.sum()),
        clicks_per_day=float(clicks.sum()),
        cvr=float(clicks @ [t.cvr for t in terms] / clicks.sum()),
        order_value=spec.order_value,
        ctr=float(clicks.sum() / impressions.sum()),
        budget_micros=int(spec.daily_budget * 1_000_000),
    )


def simulate(seed: int, days: int, end: date) -> list[TermDay]:
    """Play the demo account on the market simulator, then split each campaign-day over its search terms."""
    start = end - timedelta(days=days - 1)
    market = Market.from_curves(
        [_curve(i, spec) for i, spec in enumerate(CATALOG)], seed=seed, start_weekday=start.weekday()
    )
    rng = np.random.default_rng([seed, 1])
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        stats = market.step(_budgets_on(offset, days))
        for index, spec in enumerate(CATALOG):
            rows += _split(spec, day, stats[str(index)], rng)
    return rows


def _budget(index: int, offset: int, days: int) -> int:
    """The marketer's budget of one campaign on a day: today's, after two earlier settings a month apart (-30 %
    then +20 % for half the campaigns, the other way round for the rest), as a marketer trying things by hand."""
    period = min(2, 3 * offset // days) if days >= 30 else 2
    factor = (0.7, 1.2, 1.0)[period] if index % 2 == 0 else (1.2, 0.7, 1.0)[period]
    return int(round(CATALOG[index].daily_budget * factor * 100)) * 10_000


def _budgets_on(offset: int, days: int) -> dict[str, int]:
    return {str(index): _budget(index, offset, days) for index in range(len(CATALOG))}


def _split(spec: CampaignSpec, day: date, stats: DayStats, rng: np.random.Generator) -> list[TermDay]:
    """One campaign-day over its terms: clicks by the terms' volume, orders only on the terms that buy, cost by
    the terms' CPCs, impressions by their CTRs."""
    terms = [(group, term) for group in spec.groups for term in group.terms]
    volume = np.array([t.daily_impressions * t.ctr for _, t in terms])
    clicks = rng.multinomial(stats.clicks, volume / volume.sum())
    conversions = np.zeros(len(terms), dtype=np.int64)
    buying = clicks * np.array([t.cvr for _, t in terms])
    for _ in range(int(stats.conversions)):  # a handful a day: each order lands on a term with a click left
        spare = np.where(conversions < clicks, buying, 0.0)
        if spare.sum() == 0:
            break
        conversions[rng.choice(len(terms), p=spare / spare.sum())] += 1
    cost_weight = clicks * np.array([t.cpc for _, t in terms])
    cost_cents = _integer_split(round(stats.spend_micros / 10_000), cost_weight)
    value_cents = _integer_split(round(stats.conversion_value_micros / 10_000), conversions.astype(float))
    expected_clicks = stats.clicks * volume / volume.sum()
    rows = []
    for i, (group, term) in enumerate(terms):
        impressions = int(clicks[i] + rng.poisson(expected_clicks[i] * (1 - term.ctr) / term.ctr))
        if impressions == 0:
            continue  # the platforms leave out rows without impressions
        rows.append(
            TermDay(
                spec.name,
                group.name,
                term.text,
                term.keyword,
                day,
                impressions,
                int(clicks[i]),
                int(cost_cents[i]) * 10_000,
                int(conversions[i]),
                int(value_cents[i]) * 10_000,
            )
        )
    return rows


def _integer_split(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights`` in whole units that add up to it exactly."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    parts[np.argsort(parts - exact)[: total - int(parts.sum())]] += 1
    return parts


def _write(
    path: Path, title: str, start: date, end: date, header: list[str], rows: list[list[str]], totals: list[str]
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"{title}\n{start:%d/%m/%Y} - {end:%d/%m/%Y}\n")
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow(totals)
    return path


def _totals(rows: list[TermDay]) -> tuple[int, int, str, int, str]:
    return (
        sum(r.impressions for r in rows),
        sum(r.clicks for r in rows),
        euros(sum(r.cost_micros for r in rows)),
        sum(r.conversions for r in rows),
        euros(sum(r.value_micros for r in rows)),
    )


def write_reports(directory: Path, *, seed: int, days: int, end: date) -> dict[str, Path]:
    """The campaign, keyword and search-terms reports of the demo account over ``days`` ending ``end``."""
    rows = simulate(seed, days, end)
    start = end - timedelta(days=days - 1)
    imp, clicks, cost, conv, value = _totals(rows)
    terms = _write(
        directory / "terminos_de_busqueda.csv",
        "Informe de términos de búsqueda",
        start,
        end,
        [
            "Término de búsqueda",
            "Tipo de concordancia",
            "Campaña",
            "Grupo de anuncios",
            "Palabra clave",
            "Día",
            "Impr.",
            "Clics",
            "Código de moneda",
            "Coste",
            "Conversiones",
            "Valor de conv.",
        ],
        [
            [
                r.term,
                MATCH_NAMES[keyword_match(r.keyword)[1]],
                r.campaign,
                r.ad_group,
                r.keyword,
                f"{r.day:%Y-%m-%d}",
                str(r.impressions),
                str(r.clicks),
                "EUR",
                euros(r.cost_micros),
                str(r.conversions),
                euros(r.value_micros),
            ]
            for r in rows
        ],
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
        keyword_rows.append(
            [
                campaign,
                group,
                keyword,
                MATCH_NAMES[keyword_match(keyword)[1]],
                f"{day:%Y-%m-%d}",
                str(k_imp),
                str(k_clicks),
                "EUR",
                k_cost,
                str(k_conv),
                k_value,
            ]
        )
    keywords = _write(
        directory / "palabras_clave.csv",
        "Informe de palabras clave",
        start,
        end,
        [
            "Campaña",
            "Grupo de anuncios",
            "Palabra clave",
            "Tipo de concordancia",
            "Día",
            "Impr.",
            "Clics",
            "Código de moneda",
            "Coste",
            "Conversiones",
            "Valor de conv.",
        ],
        keyword_rows,
        ["Total: cuenta", "", "", "", "--", str(imp), str(clicks), "EUR", cost, str(conv), value],
    )
    index_of = {spec.name: index for index, spec in enumerate(CATALOG)}
    campaign_rows = []
    for (campaign, day), items in by_campaign.items():
        c_imp, c_clicks, c_cost, c_conv, c_value = _totals(items)
        budget = _budget(index_of[campaign], (day - start).days, days)
        campaign_rows.append(
            [campaign, f"{day:%Y-%m-%d}", euros(budget), "EUR", str(c_imp), str(c_clicks), c_cost, str(c_conv), c_value]
        )
    campaigns = _write(
        directory / "campanas.csv",
        "Informe de campañas",
        start,
        end,
        [
            "Campaña",
            "Día",
            "Presupuesto",
            "Código de moneda",
            "Impr.",
            "Clics",
            "Coste",
            "Conversiones",
            "Valor de conv.",
        ],
        campaign_rows,
        ["Total: cuenta", "--", "", "EUR", str(imp), str(clicks), cost, str(conv), value],
    )
    return {"campaign": campaigns, "keyword": keywords, "search_terms": terms}
