"""Report cells that change what a row means: campaign type, budget type, status, Added/Excluded.

Written in the interface languages the reports come in; an empty or unknown cell is None ("the file does not
say"), so an import never overwrites what the account knows with a guess.
"""

from __future__ import annotations

import unicodedata

from campaigns.models import BudgetType, CampaignStatus, CampaignType

# (words any of which a cell contains, value); the first hit wins, so longer, more specific names come first.
_CAMPAIGN_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("performance max",), CampaignType.PERFORMANCE_MAX),
    (("demand gen", "generacion de demanda", "discovery"), CampaignType.DEMAND_GEN),
    (("display",), CampaignType.DISPLAY),
    (("video",), CampaignType.VIDEO),
    (("shopping", "compras"), CampaignType.SHOPPING),
    (("smart", "inteligente"), CampaignType.SMART),
    (("search", "busqueda", "suche", "recherche", "ricerca", "pesquisa", "red de busqueda"), CampaignType.SEARCH),
)
_STATUSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("remov", "elimin", "entfernt", "supprim", "rimoss"), CampaignStatus.REMOVED),
    (("paus", "veille"), CampaignStatus.PAUSED),
    (("enabl", "habilit", "activ", "aktiv", "attiv", "ativ", "active"), CampaignStatus.ENABLED),
)
_BUDGET_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("total", "gesamt", "totale"), BudgetType.CAMPAIGN_TOTAL),
    (("daily", "diario", "taglich", "quotidien", "giornaliero", "diaria"), BudgetType.DAILY),
)


def _plain(text: str | None) -> str:
    text = (text or "").strip().lower()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _lookup(table: tuple[tuple[tuple[str, ...], str], ...], text: str | None) -> str | None:
    plain = _plain(text)
    if not plain or plain in ("--", "-"):
        return None
    for words, value in table:
        if any(word in plain for word in words):
            return str(value)
    return None


def campaign_type(text: str | None) -> str | None:
    if not _plain(text) or _plain(text) in ("--", "-"):
        return None
    return _lookup(_CAMPAIGN_TYPES, text) or CampaignType.OTHER.value


def budget_type(text: str | None) -> str | None:
    return _lookup(_BUDGET_TYPES, text)


def entity_status(text: str | None) -> str | None:
    return _lookup(_STATUSES, text)


def _sql_case(words: tuple[str, ...], then: str, otherwise: str) -> str:
    tests = " OR ".join(f"LOWER({{column}}) LIKE '%%{word}%%'" for word in words)
    return f"CASE WHEN {tests} THEN {then} ELSE {otherwise} END"


# SQL forms for set-based inserts (the column is given with .format(column=...)); '%%' because they run with params.
STATUS_SQL = (
    "CASE WHEN " + " OR ".join(f"LOWER({{column}}) LIKE '%%{w}%%'" for w in _STATUSES[1][0]) + " THEN 'paused' "
    "WHEN " + " OR ".join(f"LOWER({{column}}) LIKE '%%{w}%%'" for w in _STATUSES[0][0]) + " THEN 'removed' "
    "ELSE 'enabled' END"
)
EXCLUDED_WORDS = ("exclu", "ausgeschlossen", "esclus")  # "Excluded", "Excluido", "Exclu", "Ausgeschlossen", "Escluso"
EXCLUDED_SQL = _sql_case(EXCLUDED_WORDS, "1", "0")
