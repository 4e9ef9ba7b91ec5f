"""Report headers as the platforms write them, in English and Spanish, mapped to canonical names."""

from __future__ import annotations

from dataclasses import dataclass

# canonical name -> the header texts (lower-cased) that mean it
ALIASES: dict[str, tuple[str, ...]] = {
    "date": (
        "day",
        "date",
        "día",
        "dia",
        "fecha",
        "gregorian date",
        "time period",
        "período",
        "periodo",
        "tag",
        "jour",
        "giorno",
    ),
    # A Week, Month, Quarter or Year segment: each row is that period (its first day in the cell, or its name).
    "week": (
        "week",
        "week (mon - sun)",
        "week (mon to sun)",
        "week (sun - sat)",
        "week (sun to sat)",
        "semana",
        "semana (lun - dom)",
        "semana (lun. - dom.)",
        "woche",
        "woche (mo. - so.)",
        "semaine",
        "semaine (lun. - dim.)",
        "settimana",
        "settimana (lun - dom)",
        "semana (seg. - dom.)",
    ),
    "month": ("month", "mes", "monat", "mois", "mese", "mês"),
    "quarter": ("quarter", "trimestre", "quartal"),
    "year": ("year", "año", "jahr", "année", "anno", "ano"),
    "campaign": (
        "campaign",
        "campaign name",
        "campaña",
        "nombre de la campaña",
        "campaña (nombre)",
        "kampagne",
        "campagne",
        "campagna",
        "campanha",
    ),
    "campaign_id": ("campaign id", "id. de campaña", "id de campaña", "id. de la campaña"),
    "ad_group": (
        "ad group",
        "ad group name",
        "grupo de anuncios",
        "nombre del grupo de anuncios",
        "anzeigengruppe",
        "groupe d'annonces",
        "gruppo di annunci",
        "grupo de anúncios",
    ),
    "ad_group_id": ("ad group id", "id. del grupo de anuncios", "id del grupo de anuncios"),
    "search_term": (
        "search term",
        "search query",
        "término de búsqueda",
        "termino de busqueda",
        "consulta de búsqueda",
        "suchbegriff",
        "terme de recherche",
        "termine di ricerca",
        "termo de pesquisa",
    ),
    "keyword": (
        "keyword",
        "search keyword",
        "palabra clave",
        "palabra clave de búsqueda",
        "mot clé",
        "mot-clé",
        "parola chiave",
        "palavra-chave",
    ),
    "match_type": (
        "match type",
        "search term match type",
        "delivered match type",
        "keyword match type",
        "bid match type",
        "tipo de concordancia",
        "tipo de concordancia del término de búsqueda",
        "tipo de concordancia de la palabra clave",
        "tipo de concordancia entregado",
        "keyword-option",
        "type de correspondance",
        "tipo di corrispondenza",
        "tipo de correspondência",
    ),
    "impressions": ("impr.", "impressions", "impresiones", "impressionen", "impressioni", "impressões"),
    "clicks": ("clicks", "clics", "klicks", "clic", "cliques"),
    "interactions": ("interactions", "interacciones", "interaktionen", "interazioni", "interações"),
    "cost": ("cost", "spend", "coste", "costo", "gasto", "inversión", "kosten", "coût", "custo"),
    "conversions": ("conversions", "conv.", "conversiones", "conversioni", "conversões"),
    "conversion_value": (
        "conv. value",
        "conversion value",
        "total conv. value",
        "revenue",
        "valor de conv.",
        "valor de conversión",
        "valor de conversiones",
        "ingresos",
        "conv.-wert",
        "valeur de conv.",
        "valore conv.",
        "valor da conv.",
    ),
    "currency": (
        "currency code",
        "currency",
        "código de moneda",
        "moneda",
        "währungscode",
        "code de la devise",
        "codice valuta",
        "código da moeda",
    ),
    "budget": ("budget", "daily budget", "presupuesto", "presupuesto diario"),
    # The budget's name: a shared budget's (" --" for a campaign's own budget, which has none).
    "budget_name": (
        "budget name",
        "nombre del presupuesto",
        "budgetname",
        "nom du budget",
        "nome budget",
        "nome do orçamento",
    ),
    "budget_type": (
        "budget type",
        "tipo de presupuesto",
        "budgettyp",
        "type de budget",
        "tipo di budget",
        "tipo de orçamento",
    ),
    "campaign_type": (
        "campaign type",
        "tipo de campaña",
        "kampagnentyp",
        "type de campagne",
        "tipo di campagna",
        "tipo de campanha",
    ),
    # The status of the report's own entity (the campaign in a campaign report, the keyword in a keyword
    # report); the plain "Status" column is Google's serving status ("Eligible", "Limited"), not this.
    "status": (
        "campaign status",
        "ad group status",
        "keyword status",
        "estado de la campaña",
        "estado del grupo de anuncios",
        "estado de la palabra clave",
        "kampagnenstatus",
        "état de la campagne",
        "stato campagna",
        "status da campanha",
    ),
    "added_excluded": (
        "added/excluded",
        "añadido/excluido",
        "agregado/excluido",
        "hinzugefügt/ausgeschlossen",
        "ajouté/exclu",
        "aggiunto/escluso",
        "adicionado/excluído",
    ),
}
_LOOKUP = {alias: canonical for canonical, aliases in ALIASES.items() for alias in aliases}

SPANISH_HINTS = {
    "día",
    "dia",
    "fecha",
    "campaña",
    "clics",
    "coste",
    "costo",
    "gasto",
    "impresiones",
    "conversiones",
    "grupo de anuncios",
    "palabra clave",
    "término de búsqueda",
}
# Interface languages that write decimals with a comma (German, French, Italian, Portuguese besides Spanish).
COMMA_HINTS = SPANISH_HINTS | {
    "kampagne",
    "klicks",
    "kosten",
    "campagne",
    "coût",
    "campagna",
    "costo",
    "campanha",
    "custo",
    "cliques",
    "anzeigengruppe",
    "gruppo di annunci",
}
MICROSOFT_HINTS = {
    "spend",
    "campaign name",
    "ad group name",
    "gregorian date",
    "time period",
    "revenue",
    "delivered match type",
    "gasto",
    "ingresos",
}

# The Day (or Date / Week / Month) column is optional: a report without it is one period, given by the
# date-range line above the header.
# A search terms report without an Ad group column is Performance Max's (its campaigns have no ad groups): its
# terms belong to their campaign.
KIND_REQUIRED: dict[str, tuple[str, ...]] = {
    "search_terms": ("campaign", "search_term", "impressions", "clicks", "cost"),
    "keyword": ("campaign", "ad_group", "keyword", "impressions", "clicks", "cost"),
    "ad_group": ("campaign", "ad_group", "impressions", "clicks", "cost"),
    "campaign": ("campaign", "impressions", "clicks", "cost"),
}
# What a kind's rows are summed under: rows the platform lists separately stay apart (an exact and a
# close-variant match of one term; keywords [x] and "x"), rows that differ only in columns not stored are summed.
KIND_KEY: dict[str, tuple[str, ...]] = {
    "search_terms": ("date", "campaign", "ad_group", "search_term", "keyword", "keyword_match_type", "match_type"),
    "keyword": ("date", "campaign", "ad_group", "keyword", "keyword_match_type"),
    "ad_group": ("date", "campaign", "ad_group"),
    "campaign": ("date", "campaign"),
}
MONEY_COLUMNS = ("cost", "conversion_value", "budget")
COUNT_COLUMNS = ("impressions", "clicks")
TEXT_COLUMNS = (
    "campaign",
    "campaign_id",
    "ad_group",
    "ad_group_id",
    "search_term",
    "keyword",
    "match_type",
    "currency",
    "budget_type",
    "budget_name",
    "campaign_type",
    "status",
    "added_excluded",
)


def canonical(header: str) -> str | None:
    return _LOOKUP.get(" ".join(header.strip().strip('"').lower().split()))


# the time columns, finest first: a report has at most one that counts
SEGMENTS = ("date", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class HeaderMatch:
    kind: str
    columns: dict[str, int]  # canonical name -> position in the header; "date" for any time segment
    names: list[str]  # the header as written
    spanish: bool
    microsoft: bool
    comma_locale: bool = False
    segment: str = ""  # "day", "week", "month", "quarter" or "year": what each row's time cell is; "" without one


def _lowered(cells: list[str]) -> list[str]:
    """Header cells as the aliases write them: unquoted, lower case, single spaces."""
    return [" ".join(cell.strip().strip('"').lower().split()) for cell in cells]


def match_header(cells: list[str]) -> HeaderMatch | None:
    """The report kind that this header row fits best, or None when it is not a header we know."""
    columns: dict[str, int] = {}
    lowered = _lowered(cells)
    for position, text in enumerate(lowered):
        name = _LOOKUP.get(text)
        if name and name not in columns:
            columns[name] = position
    if "clicks" not in columns and "interactions" in columns:
        columns["clicks"] = columns["interactions"]  # Display / Video / Performance Max reports count interactions
    segment = next((name for name in SEGMENTS if name in columns), "")
    if segment:  # rows are read by their finest time column; a coarser one beside it adds nothing
        columns["date"] = columns[segment]
    for name in SEGMENTS[1:]:
        columns.pop(name, None)
    for kind in ("search_terms", "keyword", "ad_group", "campaign"):
        if all(name in columns for name in KIND_REQUIRED[kind]):
            return HeaderMatch(
                kind=kind,
                columns=columns,
                names=[cell.strip().strip('"') for cell in cells],
                spanish=any(text in SPANISH_HINTS for text in lowered),
                microsoft=any(text in MICROSOFT_HINTS for text in lowered),
                comma_locale=any(text in COMMA_HINTS for text in lowered),
                segment={"date": "day"}.get(segment, segment),
            )
    return None


# a required column as the platforms' downloads head it, in English and in Spanish: what an error names
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "campaign": ("Campaign", "Campaña"),
    "ad_group": ("Ad group", "Grupo de anuncios"),
    "search_term": ("Search term", "Término de búsqueda"),
    "keyword": ("Keyword", "Palabra clave"),
    "impressions": ("Impr.", "Impr."),
    "clicks": ("Clicks", "Clics"),
    "cost": ("Cost", "Coste"),
}


def column_label(name: str, cells: list[str]) -> str:
    """The header text of canonical column ``name`` in the language of the header ``cells`` (English unless they
    are Spanish)."""
    spanish = any(text in SPANISH_HINTS for text in _lowered(cells))
    english, in_spanish = COLUMN_LABELS.get(name, (name, name))
    return in_spanish if spanish else english


def missing_for_best_kind(cells: list[str]) -> tuple[str, list[str]]:
    """For a header that fits no kind: the closest kind and the columns it lacks, for the error message."""
    present = {canonical(cell) for cell in cells} - {None}
    if "interactions" in present:
        present.add("clicks")
    # The column that only one kind has says what the file is, even when other columns are missing.
    telling = [
        kind
        for kind, column in (("search_terms", "search_term"), ("keyword", "keyword"), ("ad_group", "ad_group"))
        if column in present
    ]
    best = telling[0] if telling else min(KIND_REQUIRED, key=lambda kind: len(set(KIND_REQUIRED[kind]) - present))
    return best, [name for name in KIND_REQUIRED[best] if name not in present]
