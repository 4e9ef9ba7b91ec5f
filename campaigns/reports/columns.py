"""Report headers as the platforms write them, in English and Spanish, mapped to canonical names."""

from __future__ import annotations

from dataclasses import dataclass

# canonical name -> the header texts (lower-cased) that mean it
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("day", "date", "día", "dia", "fecha", "gregorian date", "time period", "período", "periodo"),
    "campaign": ("campaign", "campaign name", "campaña", "nombre de la campaña", "campaña (nombre)"),
    "campaign_id": ("campaign id", "id. de campaña", "id de campaña", "id. de la campaña"),
    "ad_group": ("ad group", "ad group name", "grupo de anuncios", "nombre del grupo de anuncios"),
    "ad_group_id": ("ad group id", "id. del grupo de anuncios", "id del grupo de anuncios"),
    "search_term": ("search term", "search query", "término de búsqueda", "termino de busqueda",
                    "consulta de búsqueda"),
    "keyword": ("keyword", "search keyword", "palabra clave", "palabra clave de búsqueda"),
    "match_type": ("match type", "search term match type", "delivered match type", "keyword match type",
                   "bid match type",
                   "tipo de concordancia", "tipo de concordancia del término de búsqueda",
                   "tipo de concordancia de la palabra clave", "tipo de concordancia entregado"),
    "impressions": ("impr.", "impressions", "impresiones"),
    "clicks": ("clicks", "clics"),
    "cost": ("cost", "spend", "coste", "costo", "gasto", "inversión"),
    "conversions": ("conversions", "conv.", "conversiones"),
    "conversion_value": ("conv. value", "conversion value", "total conv. value", "revenue", "valor de conv.",
                         "valor de conversión", "valor de conversiones", "ingresos"),
    "currency": ("currency code", "currency", "código de moneda", "moneda"),
    "budget": ("budget", "daily budget", "presupuesto", "presupuesto diario"),
}
_LOOKUP = {alias: canonical for canonical, aliases in ALIASES.items() for alias in aliases}

SPANISH_HINTS = {"día", "dia", "fecha", "campaña", "clics", "coste", "costo", "gasto", "impresiones",
                 "conversiones", "grupo de anuncios", "palabra clave", "término de búsqueda"}
MICROSOFT_HINTS = {"spend", "campaign name", "ad group name", "gregorian date", "time period", "revenue",
                   "delivered match type", "gasto", "ingresos"}

KIND_REQUIRED: dict[str, tuple[str, ...]] = {
    "search_terms": ("date", "campaign", "ad_group", "search_term", "impressions", "clicks", "cost", "conversions"),
    "keyword": ("date", "campaign", "ad_group", "keyword", "impressions", "clicks", "cost", "conversions"),
    "ad_group": ("date", "campaign", "ad_group", "impressions", "clicks", "cost", "conversions"),
    "campaign": ("date", "campaign", "impressions", "clicks", "cost", "conversions"),
}
# The columns that identify one row; two rows with the same key are duplicates.
KIND_KEY: dict[str, tuple[str, ...]] = {
    "search_terms": ("date", "campaign", "ad_group", "search_term", "keyword", "match_type"),
    "keyword": ("date", "campaign", "ad_group", "keyword", "keyword_match_type"),
    "ad_group": ("date", "campaign", "ad_group"),
    "campaign": ("date", "campaign"),
}
MONEY_COLUMNS = ("cost", "conversion_value", "budget")
COUNT_COLUMNS = ("impressions", "clicks")
TEXT_COLUMNS = ("campaign", "campaign_id", "ad_group", "ad_group_id", "search_term", "keyword", "match_type",
                "currency")


def canonical(header: str) -> str | None:
    return _LOOKUP.get(" ".join(header.strip().strip('"').lower().split()))


@dataclass(frozen=True)
class HeaderMatch:
    kind: str
    columns: dict[str, int]  # canonical name -> position in the header
    names: list[str]  # the header as written
    spanish: bool
    microsoft: bool


def match_header(cells: list[str]) -> HeaderMatch | None:
    """The report kind that this header row fits best, or None when it is not a header we know."""
    columns: dict[str, int] = {}
    lowered = [" ".join(cell.strip().strip('"').lower().split()) for cell in cells]
    for position, text in enumerate(lowered):
        name = _LOOKUP.get(text)
        if name and name not in columns:
            columns[name] = position
    for kind in ("search_terms", "keyword", "ad_group", "campaign"):
        if all(name in columns for name in KIND_REQUIRED[kind]):
            return HeaderMatch(
                kind=kind,
                columns=columns,
                names=[cell.strip().strip('"') for cell in cells],
                spanish=any(text in SPANISH_HINTS for text in lowered),
                microsoft=any(text in MICROSOFT_HINTS for text in lowered),
            )
    return None


def missing_for_best_kind(cells: list[str]) -> tuple[str, list[str]]:
    """For a header that fits no kind: the closest kind and the columns it lacks, for the error message."""
    present = {canonical(cell) for cell in cells} - {None}
    best = min(KIND_REQUIRED, key=lambda kind: len(set(KIND_REQUIRED[kind]) - present))
    return best, [name for name in KIND_REQUIRED[best] if name not in present]
