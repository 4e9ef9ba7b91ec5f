"""Ad strength: one case per level, one per hint, and the near-duplicate and keyword rules it rests on."""

from __future__ import annotations

import pytest

from ml.ad_strength import (
    HINT_CODES,
    AdStrength,
    Hint,
    ad_strength,
    distinct_texts,
    has_keyword,
    level_for,
    near_duplicates,
    words,
)

KEYWORDS = ["cemento portland", "[mortero seco]", '"cemento cola"']
# Ten distinct headlines: three hold a keyword, one is short (<= 20), one is long (>= 25).
HEADLINES = [
    "Cemento Portland en Sacos",  # 25, keyword
    "Mortero Seco para Obra",  # keyword
    "Cemento Cola Flexible",  # keyword
    "Entrega en 24 h",  # 15, short
    "Precios por Volumen",
    "Fabricación Propia",
    "Asesoría Técnica Gratuita",
    "Pedido Mínimo de un Palé",
    "Recogida en Almacén",
    "Factura para Empresas",
]
DESCRIPTIONS = [
    "Sacos de 25 kg con entrega en obra.",
    "Cotiza hoy y recibe mañana.",
    "Asesoramos a constructoras y reformistas.",
    "Pago a 30 días para profesionales.",
]


def codes(strength: AdStrength) -> list[tuple[str, int]]:
    return [(hint.code, hint.count) for hint in strength.hints]


def test_ten_distinct_headlines_four_descriptions_keywords_and_varied_lengths_are_excellent_with_no_hints():
    assert ad_strength(HEADLINES, DESCRIPTIONS, KEYWORDS) == AdStrength(
        level="excellent",
        score=100,
        hints=(),
        distinct_headlines=10,
        distinct_descriptions=4,
        keyword_headlines=3,
        short_headline=True,
        long_headline=True,
    )


def test_eight_headlines_and_three_descriptions_are_good():
    strength = ad_strength(HEADLINES[:8], DESCRIPTIONS[:3], KEYWORDS)
    assert (strength.level, strength.score) == ("good", 8 * 5 + 3 * 5 + 18 + 12)  # 85
    assert codes(strength) == [("add_headlines", 2), ("add_descriptions", 1)]
    assert [hint.message for hint in strength.hints] == [
        "Add 2 more distinct headlines",
        "Add 1 more distinct description",
    ]


def test_six_headlines_with_one_keyword_and_only_short_ones_are_average():
    headlines = [
        "Cemento Portland",
        "Entrega en 24 h",
        "Precios por Volumen",
        "Fabricación Propia",
        "Recogida en Almacén",
        "Factura a Empresas",
    ]
    strength = ad_strength(headlines, DESCRIPTIONS[:2], KEYWORDS)
    assert (strength.level, strength.score) == ("average", 6 * 5 + 2 * 5 + 6 + 6)  # 52
    assert codes(strength) == [
        ("add_headlines", 4),
        ("keyword_headlines", 2),
        ("add_descriptions", 2),
        ("long_headline", 1),
    ]
    assert strength.hints[0].message == "Add 4 more distinct headlines"
    assert strength.hints[1].message == "Include a keyword in 2 more headlines"
    assert strength.hints[3].message == "Add a long headline (25 characters or more)"


def test_the_fewest_assets_an_ad_runs_with_are_poor():
    strength = ad_strength(HEADLINES[3:6], DESCRIPTIONS[:2], KEYWORDS)
    assert (strength.level, strength.score) == ("poor", 3 * 5 + 2 * 5 + 0 + 6)  # 31
    assert codes(strength) == [
        ("add_headlines", 7),
        ("keyword_headlines", 3),
        ("add_descriptions", 2),
        ("long_headline", 1),
    ]


def test_an_ad_that_cannot_run_is_poor_whatever_its_score():
    # 9 headlines and 1 description would score 45 + 5 + 18 + 12 = 80, but an ad needs 2 descriptions.
    strength = ad_strength(HEADLINES[:9], DESCRIPTIONS[:1], KEYWORDS)
    assert (strength.level, strength.score) == ("poor", 80)
    assert ad_strength([], [], KEYWORDS).level == "poor"
    assert ad_strength([], [], []).score == 0


def test_near_duplicate_headlines_count_once_and_ask_to_be_rewritten():
    repeated = [*HEADLINES[:8], "¡Cemento Portland, en sacos!", "entrega en 24H", "ENTREGA EN 24 H"]
    strength = ad_strength(repeated, DESCRIPTIONS, KEYWORDS)
    assert (strength.distinct_headlines, strength.keyword_headlines) == (9, 3)
    # "entrega en 24H" is {entrega, en, 24h}: Jaccard 2/5 with "Entrega en 24 h", so it is a distinct line.
    assert codes(strength) == [("add_headlines", 1), ("unique_headlines", 2)]
    assert strength.hints[1].message == "Rewrite 2 headlines that repeat another"
    assert strength.score == 9 * 5 + 20 + 18 + 12


def test_with_no_room_left_only_the_rewrite_hint_remains():
    fifteen = [*HEADLINES[:5], *(f"{HEADLINES[4]}!" for _ in range(10))]
    strength = ad_strength(fifteen, DESCRIPTIONS, KEYWORDS)
    assert strength.distinct_headlines == 5
    assert codes(strength) == [("unique_headlines", 10)]


def test_an_ad_group_without_keywords_is_told_to_add_them():
    strength = ad_strength(HEADLINES, DESCRIPTIONS, [])
    assert (strength.level, strength.score) == ("good", 100 - 18)
    assert strength.hints == (Hint("add_keywords", 0, "Add keywords to the ad group, then use them in headlines"),)


def test_a_missing_short_headline_is_a_hint():
    long_only = [h for h in HEADLINES if len(h) > 20]
    strength = ad_strength(long_only, DESCRIPTIONS, KEYWORDS)
    assert codes(strength)[-1] == ("short_headline", 1)
    assert strength.hints[-1].message == "Add a short headline (20 characters or fewer)"
    assert not strength.short_headline and strength.long_headline


def test_one_missing_headline_and_description_use_the_singular():
    strength = ad_strength(HEADLINES[:9], DESCRIPTIONS[:3], KEYWORDS)
    assert [hint.message for hint in strength.hints] == [
        "Add 1 more distinct headline",
        "Add 1 more distinct description",
    ]
    keyword_short = ad_strength(HEADLINES[1:], DESCRIPTIONS, KEYWORDS)
    assert keyword_short.hints[-1].message == "Include a keyword in 1 more headline"


def test_every_hint_code_is_produced_by_some_ad():
    seen = {
        hint.code
        for case in (
            ad_strength([], [], []),
            ad_strength(HEADLINES[:3] * 5, [], KEYWORDS),
            ad_strength(["Cemento cola"], [], KEYWORDS),
        )
        for hint in case.hints
    }
    assert seen == set(HINT_CODES)


def test_only_the_first_15_headlines_and_4_descriptions_count():
    many = [*HEADLINES, *(f"Línea número {n} distinta" for n in range(10))]
    strength = ad_strength(many, [*DESCRIPTIONS, "Quinta descripción."], KEYWORDS)
    assert (strength.distinct_headlines, strength.distinct_descriptions) == (15, 4)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Cemento Portland", "portland, CEMENTO!", True),
        ("Fabricación Propia", "fabricacion propia", True),
        ("Cemento Portland en sacos de 25 kg", "Cemento Portland en sacos de 25", True),  # 6/7 = 0.86
        ("Cemento Portland", "Cemento Portland Barato", False),  # 2/3
        ("Compra cemento Portland hoy", "Compra cemento Portland ya", False),  # 3/5
        ("", "¡!", True),
        ("", "Cemento", False),
    ],
)
def test_near_duplicates_fold_case_accents_and_punctuation_then_compare_word_sets(a, b, same):
    assert near_duplicates(a, b) is same


def test_distinct_texts_keep_the_first_of_each_group_in_order():
    assert distinct_texts(["Teja Árabe", "Teja mixta", "teja arabe", "Árabe, teja"]) == ["Teja Árabe", "Teja mixta"]


def test_a_keyword_counts_only_as_consecutive_words():
    keywords = [words("cemento portland"), words("[teja árabe]")]
    assert has_keyword("Cemento Portland barato", keywords)
    assert has_keyword("Teja Arabe envejecida", keywords)
    assert not has_keyword("Portland y cemento", keywords)
    assert not has_keyword("Cementos Portland", keywords)


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "poor"),
        (49, "poor"),
        (50, "average"),
        (69, "average"),
        (70, "good"),
        (89, "good"),
        (90, "excellent"),
        (100, "excellent"),
    ],
)
def test_level_boundaries(score, level):
    assert level_for(score) == level
    assert level_for(score, complete=False) == "poor"


def test_the_same_assets_give_the_same_reading():
    assert ad_strength(HEADLINES[:7], DESCRIPTIONS, KEYWORDS) == ad_strength(
        list(HEADLINES[:7]), DESCRIPTIONS, KEYWORDS
    )
