"""Session fixtures for the matching tests: the real default model, loaded once, and a small demo account."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

# models ship inside PyPI packages; a test that reaches for a model hub must fail, not download
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from ml.matching.embeddings import CachedEmbedder, UseEmbedder  # noqa: E402
from ml.matching.matcher import IntentMatcher, SearchTermRow  # noqa: E402

BANKING77 = Path(__file__).resolve().parents[4] / "shared" / "data" / "banking77"
if not BANKING77.exists():
    BANKING77 = Path("/work/shared/data/banking77")

# The demo account: a building-materials producer advertising in Spanish and English.
CEMENT, CONCRETE, MORTAR, REBAR, TILES = 11, 12, 13, 21, 22
AD_GROUP_KEYWORDS = {
    CEMENT: ["cemento portland", "saco de cemento 50 kg", "portland cement", "buy cement bags"],
    CONCRETE: ["concreto premezclado", "camion de concreto", "ready mix concrete delivery"],
    MORTAR: ["mortero para ladrillos", "mortero seco en sacos", "bricklaying mortar"],
    REBAR: ["steel rebar 12mm", "reinforcing bars for concrete", "varilla corrugada"],
    TILES: ["ceramic floor tiles", "porcelain tiles for kitchen floor", "pisos de ceramica"],
}
CAMPAIGN_OF = {CEMENT: 1, CONCRETE: 1, MORTAR: 1, REBAR: 2, TILES: 2}
CALIBRATION = [
    ("cemento gris precio", CEMENT),
    ("cement 50kg bag price", CEMENT),
    ("concreto a domicilio", CONCRETE),
    ("ready mixed concrete price", CONCRETE),
    ("mortar mix for bricks", MORTAR),
    ("mortero para ladrillo", MORTAR),
    ("rebar price per ton", REBAR),
    ("varillas de acero", REBAR),
    ("porcelain floor tile", TILES),
    ("azulejos para piso", TILES),
    ("mortar and pestle", None),
    ("concrete jungle lyrics", None),
    ("pintura al oleo cuadros", None),
    ("steel guitar lessons", None),
    ("tiles game online", None),
    ("cemento dental para protesis", None),
]
# (text, ad group that served it, clicks, cost in micros, conversions)
SEARCH_TERMS = [
    ("cemento portland precio", CEMENT, 40, 32_000_000, 4.0),
    ("saco de cemento", CEMENT, 25, 20_000_000, 2.0),
    ("portland cement price", CEMENT, 18, 15_000_000, 1.0),
    ("dental cement", CEMENT, 30, 27_000_000, 0.0),
    ("dental cement for crowns", CEMENT, 12, 10_000_000, 0.0),
    ("cemento dental para coronas", CEMENT, 9, 7_000_000, 0.0),
    ("rubber cement glue", CEMENT, 6, 4_000_000, 0.0),
    ("cement mixer toy", CEMENT, 4, 3_000_000, 0.0),
    ("dental clinic floor tiles", TILES, 3, 2_500_000, 1.0),
    ("concreto premezclado precio m3", CONCRETE, 22, 19_000_000, 3.0),
    ("ready mix concrete near me", CONCRETE, 15, 13_000_000, 1.0),
    ("concrete jungle song", CONCRETE, 5, 3_500_000, 0.0),
    ("mortero para ladrillo precio", MORTAR, 10, 7_500_000, 1.0),
    ("mortar and pestle set", MORTAR, 8, 5_000_000, 0.0),
    ("varilla corrugada 3/8", REBAR, 14, 12_000_000, 2.0),
    ("rebar tying tool", REBAR, 6, 4_500_000, 0.0),
    ("porcelain floor tiles", TILES, 20, 16_000_000, 2.0),
    ("tiles game online free", TILES, 7, 2_000_000, 0.0),
    ("dental cement", TILES, 4, 3_000_000, 0.0),
    ("saco de cemento 25 kg", MORTAR, 6, 5_000_000, 0.0),
    ("bloques de concreto", CONCRETE, 9, 6_000_000, 1.0),
    ("concrete blocks price", CONCRETE, 7, 5_500_000, 0.0),
    ("cinder blocks for sale", CONCRETE, 5, 4_000_000, 1.0),
    ("block de cemento 15x20", CEMENT, 4, 3_000_000, 0.0),
    ("concrete blocks 8 inch", CONCRETE, 6, 4_500_000, 1.0),
    ("cinder block wall cost", CONCRETE, 4, 3_000_000, 0.0),
]


@pytest.fixture(scope="session")
def embedder() -> CachedEmbedder:
    return CachedEmbedder(UseEmbedder())


@pytest.fixture(scope="session")
def demo_rows() -> list[SearchTermRow]:
    return [
        SearchTermRow(
            text=text,
            campaign_id=CAMPAIGN_OF[ad_group],
            ad_group_id=ad_group,
            clicks=clicks,
            cost_micros=cost,
            conversions=conversions,
            term_id=100 + i,
        )
        for i, (text, ad_group, clicks, cost, conversions) in enumerate(SEARCH_TERMS)
    ]


@pytest.fixture(scope="session")
def demo_matcher(embedder: CachedEmbedder) -> IntentMatcher:
    texts = [kw for keywords in AD_GROUP_KEYWORDS.values() for kw in keywords]
    labels = [group for group, keywords in AD_GROUP_KEYWORDS.items() for _ in keywords]
    # the nearest head: these tests pin its numbers; the logistic head has its own tests in test_matcher.py
    matcher = IntentMatcher(embedder, head="nearest").fit(texts, labels)
    matcher.calibrate([t for t, _ in CALIBRATION], [label for _, label in CALIBRATION])
    return matcher


def read_banking77(split: str) -> list[tuple[str, str]]:
    with open(BANKING77 / f"{split}.csv", newline="", encoding="utf-8") as fh:
        return [(row["text"], row["category"]) for row in csv.DictReader(fh)]


@pytest.fixture(scope="session")
def banking77_small() -> dict[str, list[tuple[str, str]]]:
    """12 intents: 8 in scope (20 train, 5 calibration, 10 test queries each), 2 out of scope for calibration,
    2 out of scope for test; the first rows of each intent in file order, so the subset is fixed."""
    intents = [
        "card_arrival",
        "exchange_rate",
        "lost_or_stolen_card",
        "top_up_failed",
        "pin_blocked",
        "cash_withdrawal_charge",
        "change_pin",
        "declined_transfer",
    ]
    calibration_oos, test_oos = (
        ["apple_pay_or_google_pay", "terminate_account"],
        ["atm_support", "age_limit"],  # one near the in-scope intents (ATM), one far
    )
    train, test = read_banking77("train"), read_banking77("test")

    def first(rows: list[tuple[str, str]], intent: str, start: int, stop: int) -> list[tuple[str, str]]:
        return [row for row in rows if row[1] == intent][start:stop]

    return {
        "train": [row for i in intents for row in first(train, i, 0, 20)],
        "calibration": [row for i in intents for row in first(train, i, 20, 25)]
        + [(text, "") for i in calibration_oos for text, _ in first(train, i, 0, 10)],
        "test": [row for i in intents for row in first(test, i, 0, 10)]
        + [(text, "") for i in test_oos for text, _ in first(test, i, 0, 10)],
    }
