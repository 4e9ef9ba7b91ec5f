from __future__ import annotations

import pytest

from ml.ad_rules import (
    AdAssets,
    KeywordText,
    Rules,
    Violation,
    check_text,
    shouted_words,
    text_width,
    validate_ad,
    validate_keywords,
)

GOOD_HEADLINES = ["Cemento Portland en Sacos", "Entrega en Obra en 24 h", "Precios por Volumen"]
GOOD_DESCRIPTIONS = ["Sacos de 50 kg con entrega en obra.", "Cotiza hoy, recibe mañana."]


def test_a_valid_ad_has_no_violations() -> None:
    assert validate_ad(AdAssets(GOOD_HEADLINES, GOOD_DESCRIPTIONS, path1="cemento", path2="sacos")) == []


def test_width_counts_double_width_characters_twice_for_microsoft_only() -> None:
    assert text_width("セメント袋", "google") == 5
    assert text_width("セメント袋", "microsoft") == 10
    assert text_width("ＡＢ", "microsoft") == 4  # fullwidth Latin
    assert text_width("Añejo ü", ("google", "microsoft")) == 7


def test_a_16_character_japanese_headline_fits_google_but_not_microsoft() -> None:
    headline = "高品質セメントを今すぐ現場へお届けします"[:16]
    ad = AdAssets([headline, *GOOD_HEADLINES], GOOD_DESCRIPTIONS)
    assert validate_ad(ad, Rules(platforms=("google",))) == []
    assert validate_ad(ad, Rules(platforms=("microsoft",))) == [
        Violation("headlines", 0, "too_long", "headline is 32 wide; the limit is 30")
    ]


@pytest.mark.parametrize(
    ("ad", "expected"),
    [
        (
            AdAssets(GOOD_HEADLINES[:2], GOOD_DESCRIPTIONS[:1]),
            [
                Violation("headlines", None, "too_few", "2 headlines; at least 3 are required"),
                Violation("descriptions", None, "too_few", "1 descriptions; at least 2 are required"),
            ],
        ),
        (
            AdAssets([f"Titulo {i}" for i in range(16)], GOOD_DESCRIPTIONS * 2 + ["Otra más.", "Y otra."]),
            [
                Violation("headlines", None, "too_many", "16 headlines; at most 15 are allowed"),
                Violation("descriptions", None, "too_many", "6 descriptions; at most 4 are allowed"),
                Violation("descriptions", 2, "duplicate", "repeats item 1"),
                Violation("descriptions", 3, "duplicate", "repeats item 2"),
            ],
        ),
        (
            AdAssets(["Cemento Portland en Sacos de 50 kg", *GOOD_HEADLINES[1:]], ["x" * 91, GOOD_DESCRIPTIONS[1]]),
            [
                Violation("headlines", 0, "too_long", "headline is 34 wide; the limit is 30"),
                Violation("descriptions", 0, "too_long", "description is 91 wide; the limit is 90"),
            ],
        ),
        (
            AdAssets(["¡Compra Ya!", *GOOD_HEADLINES[1:]], ["¡Oferta! Solo hoy!", GOOD_DESCRIPTIONS[1] + "!"]),
            [
                Violation("headlines", 0, "exclamation", "headline has 2; no exclamation mark allowed"),
                Violation("descriptions", 0, "exclamation", "description has 2; at most one exclamation mark allowed"),
            ],
        ),
        (
            AdAssets(["CEMENTO Barato", "Envío USA y PVC", GOOD_HEADLINES[2]], GOOD_DESCRIPTIONS),
            [Violation("headlines", 0, "all_caps", "headline writes CEMENTO in capitals")],
        ),
        (
            AdAssets([GOOD_HEADLINES[0], "cemento  portland en  SaCos", GOOD_HEADLINES[2]], GOOD_DESCRIPTIONS),
            [Violation("headlines", 1, "duplicate", "repeats item 1")],
        ),
        (
            AdAssets(GOOD_HEADLINES, GOOD_DESCRIPTIONS, path1="cemento-portland-gris"),
            [Violation("path1", None, "too_long", "path1 is 21 wide; the limit is 15")],
        ),
        (
            AdAssets(["", *GOOD_HEADLINES[1:]], GOOD_DESCRIPTIONS),
            [Violation("headlines", 0, "empty", "headline is empty")],
        ),
    ],
)
def test_ad_rules(ad: AdAssets, expected: list[Violation]) -> None:
    assert validate_ad(ad) == expected


def test_blocked_terms_match_whole_words_ignoring_case_and_accents() -> None:
    rules = Rules(blocked_terms=("Cemex", "el más barato"))
    ad = AdAssets(["Mejor que CEMEX", "El Mas Barato de México", "Cemexito Sabroso"], GOOD_DESCRIPTIONS)
    assert validate_ad(ad, rules) == [
        Violation("headlines", 0, "all_caps", "headline writes CEMEX in capitals"),
        Violation("headlines", 0, "blocked_term", "headline contains the blocked term 'Cemex'"),
        Violation("headlines", 1, "blocked_term", "headline contains the blocked term 'el más barato'"),
    ]


def test_organization_acronyms_are_allowed_in_capitals() -> None:
    ad = AdAssets(["Cemento ACME Gris", *GOOD_HEADLINES[1:]], GOOD_DESCRIPTIONS)
    assert validate_ad(ad, Rules(acronyms=frozenset({"acme"}))) == []


def test_keyword_rules() -> None:
    keywords = [
        KeywordText("cemento portland", "exact"),
        KeywordText("Cemento  Portland", "exact"),
        KeywordText("cemento portland", "phrase"),
        KeywordText("uno dos tres cuatro cinco seis siete ocho nueve diez once", "broad"),
        KeywordText("c" * 81, "broad"),
        KeywordText("cemento!", "broad"),
        KeywordText("cemento gris", "fuzzy"),
        KeywordText(" ", "broad"),
    ]
    assert validate_keywords(keywords) == [
        Violation("keywords", 1, "duplicate", "repeats keyword 1"),
        Violation("keywords", 3, "too_many_words", "keyword has 11 words; the limit is 10"),
        Violation("keywords", 4, "too_long", "keyword is 81 characters; the limit is 80"),
        Violation("keywords", 5, "invalid_character", "keyword contains '!'"),
        Violation("keywords", 6, "match_type", "match type 'fuzzy' is not one of broad, phrase, exact"),
        Violation("keywords", 7, "empty", "keyword is empty"),
    ]


@pytest.mark.parametrize(
    ("text", "shouted"),
    [
        ("Cemento cola C2TE para porcelánico", []),  # a product code: it has a digit
        ("Cemento CEM II 42,5 R", []),  # the standard's designation and a Roman numeral
        ("Tubería de PVC", []),  # a known acronym
        ("Fase III del siglo XXI", []),
        ("OFERTA en cemento C2TE", ["OFERTA"]),  # shouting next to a code is still shouting
        ("Cemento FREE y HOY", ["FREE", "HOY"]),  # short words in capitals are emphasis too
        ("SUPER1 SALE", ["SALE"]),
    ],
)
def test_capitals_for_emphasis_are_flagged_but_codes_acronyms_and_numerals_are_not(
    text: str, shouted: list[str]
) -> None:
    assert shouted_words(text) == shouted
    expected = [Violation("descriptions", 0, "all_caps", f"description writes {', '.join(shouted)} in capitals")]
    assert check_text(text, "descriptions", 0) == (expected if shouted else [])
