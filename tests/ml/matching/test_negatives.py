from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from ml.matching.embeddings import CachedEmbedder
from ml.matching.matcher import IntentMatcher, Match, SearchTermRow
from ml.matching.negatives import (
    Blocked,
    NgramStat,
    blocks,
    improbably_unconverted,
    ngram_stats,
    propose_negatives,
    replay,
    tokens,
)
from ml.matching.theme import AccountTheme


def row(
    text: str,
    campaign: int = 1,
    ad_group: int = 10,
    clicks: int = 10,
    cost: int = 5_000_000,
    conversions: float = 0.0,
) -> SearchTermRow:
    return SearchTermRow(text, campaign, ad_group, clicks, cost, conversions)


def matched(label: int | None) -> Match:
    return Match(label=label, score=0.9 if label is not None else 0.2, nearest_label=label or 10, keyword="kw")


@pytest.mark.parametrize(
    ("negative", "match_type", "term", "expected"),
    [
        ("dental", "phrase", "cemento dental para coronas", True),
        ("dental cement", "phrase", "cheap dental cement", True),
        ("dental cement", "phrase", "cement dental", False),  # order matters
        ("dental cement", "exact", "dental cement", True),
        ("dental cement", "exact", "dental cement price", False),
        ("cement", "phrase", "cemento", False),  # whole words only
        ("Dental-Cement", "phrase", "dental cement", True),  # case and punctuation are not words
    ],
)
def test_negative_semantics(negative: str, match_type: str, term: str, expected: bool) -> None:
    assert blocks(tokens(negative), match_type, tokens(term)) is expected


def test_broad_negatives_do_not_exist() -> None:
    with pytest.raises(ValueError, match="exact or phrase"):
        blocks(("dental",), "broad", ("dental",))


def test_ngram_stats_count_each_term_once_per_campaign() -> None:
    stats = ngram_stats(
        [
            row("dental cement dental", cost=3),
            row("dental floss", cost=4, conversions=1.0),
            row("dental", campaign=2, cost=7),
        ]
    )
    assert stats[(1, "dental")] == NgramStat(1, "dental", 1, terms=2, clicks=20, cost_micros=7, conversions=1.0)
    assert stats[(1, "dental cement dental")].n == 3
    assert stats[(2, "dental")].cost_micros == 7


def test_replay_reports_what_a_negative_would_block() -> None:
    rows = [
        row("dental cement", cost=9_000_000),
        row("cemento dental", cost=2_000_000, clicks=3),
        row("dental cement", ad_group=11, cost=1_000_000, clicks=1),
        row("dental", campaign=2),
    ]
    assert replay("dental", "phrase", rows, campaign_ids=[1]) == Blocked(
        terms=("dental cement", "cemento dental"), clicks=14, cost_micros=12_000_000, conversions=0.0
    )
    assert replay("dental cement", "exact", rows, campaign_ids=[1], ad_group_id=11).terms == ("dental cement",)


def test_shared_word_becomes_one_phrase_negative_and_spares_converting_terms() -> None:
    rows = [
        row("dental cement", cost=9_000_000),
        row("cemento dental coronas", cost=4_000_000),
        row("portland cement", conversions=3.0),
    ]
    suggestions = propose_negatives(rows, [matched(None), matched(None), matched(10)])
    assert [(s.text, s.match_type, s.level, s.campaign_ids) for s in suggestions] == [
        ("dental", "phrase", "campaign", (1,))
    ]
    assert suggestions[0].blocked == Blocked(("dental cement", "cemento dental coronas"), 20, 13_000_000, 0.0)
    assert suggestions[0].evidence == (NgramStat(1, "dental", 1, 2, 20, 13_000_000, 0.0),)


def test_negative_that_would_block_a_converting_term_is_narrowed() -> None:
    rows = [
        row("dental cement", cost=9_000_000),
        row("dental cement crowns", cost=4_000_000),
        row("dental clinic floor tiles", conversions=1.0),
        row("portland cement", conversions=2.0),
    ]
    suggestions = propose_negatives(rows, [matched(None), matched(None), matched(None), matched(None)])
    assert [(s.text, s.match_type) for s in suggestions] == [("dental cement", "phrase")]
    assert replay("dental cement", "phrase", rows).conversions == 0.0


def test_one_off_term_gets_an_exact_negative_not_a_common_word() -> None:
    rows = [row("how to make cement at home tutorial", cost=2_000_000), row("cement bags", conversions=2.0)]
    suggestions = propose_negatives(rows, [matched(None), matched(10)])
    assert [(s.text, s.match_type, s.level) for s in suggestions] == [
        ("how to make cement at home tutorial", "exact", "campaign")
    ]


def test_term_converting_in_another_ad_group_gets_an_ad_group_negative() -> None:
    rows = [
        row("cement mixer", ad_group=10, cost=3_000_000),
        row("cement mixer", ad_group=11, conversions=1.0),
    ]
    suggestions = propose_negatives(rows, [matched(None), matched(None)], route_misserved=False)
    assert [(s.text, s.match_type, s.level, s.ad_group_id) for s in suggestions] == [
        ("cement mixer", "exact", "ad_group", 10)
    ]


def test_same_negative_in_several_campaigns_becomes_a_shared_list() -> None:
    rows = [
        row("minecraft blocks", campaign=1, cost=2_000_000),
        row("minecraft roof", campaign=1),
        row("minecraft bricks", campaign=2, cost=1_000_000),
        row("minecraft tiles", campaign=2),
    ]
    suggestions = propose_negatives(rows, [matched(None)] * 4)
    assert [(s.text, s.level, s.campaign_ids) for s in suggestions] == [("minecraft", "shared_list", (1, 2))]
    assert suggestions[0].blocked.cost_micros == 13_000_000


BUILDING_THEME = AccountTheme(
    keywords={11: ("cement bags",), 13: ("mortar mix",)},
    campaign_of={11: 1, 13: 1},
    ad_group_names={11: "Cement bags", 13: "Mortar"},
    campaign_names={1: "Cement - Search"},
)


def test_term_served_by_the_wrong_ad_group_is_routed_by_name_as_sculpting() -> None:
    rows = [
        row("cement bag 25 kg", ad_group=13, cost=5_000_000),
        row("cement bags", ad_group=11, conversions=2.0),
    ]
    suggestions = propose_negatives(rows, [matched(11), matched(11)], theme=BUILDING_THEME)
    assert [(s.text, s.match_type, s.level, s.ad_group_id, s.kind, s.route_to, s.reason) for s in suggestions] == [
        ("cement bag 25 kg", "exact", "ad_group", 13, "sculpting", 11, "belongs to Cement - Search › Cement bags")
    ]


def test_no_sculpting_without_a_word_of_the_other_ad_group() -> None:
    # the embedding says "mortar mix bag" belongs to ad group 11, but nothing in it is 11's and not 13's
    rows = [row("mortar mix bag", ad_group=13, cost=5_000_000), row("mortar mix", ad_group=13, conversions=1.0)]
    assert propose_negatives(rows, [matched(11), matched(13)], theme=BUILDING_THEME) == []


def test_negatives_keep_off_the_accounts_theme() -> None:
    theme = AccountTheme(
        keywords={10: ("solar quote", "solar"), 11: ("solar panels",), 12: ("nem 3",)},
        campaign_of={10: 1, 11: 1, 12: 1},
        ad_group_names={10: "Solar Quotes/Estimates", 11: "Home/Residential Solar", 12: "CA - NEM 3.0"},
        campaign_names={1: "Solar - Search", 2: "Brand"},
        brand_terms=("SunPeak Solar LLC",),
    )
    rows = [
        row("solar quote", cost=9_000_000),  # the ad group's own keyword
        row("solar quotes austin", cost=8_000_000),
        row("solar panels for home", ad_group=11, cost=7_000_000),
        row("nem3 solar", ad_group=12, cost=6_000_000),
        row("sunpeak reviews", cost=5_000_000),  # the brand, run together
        row("solar eclipse glasses", cost=4_000_000),
        row("solar eclipse 2026", cost=3_000_000),
        row("solar panel installer", ad_group=11, conversions=1.0),
    ]
    suggestions = propose_negatives(rows, [matched(None)] * len(rows), theme=theme)
    assert [(s.text, s.match_type, s.kind, s.blocked.terms) for s in suggestions] == [
        ("eclipse", "phrase", "waste", ("solar eclipse glasses", "solar eclipse 2026"))
    ]


def test_zero_conversions_after_many_clicks_is_waste_even_when_the_meaning_matches() -> None:
    rows = [
        row("cemento dental", clicks=170),
        row("cemento cola", clicks=1000, conversions=60.0),
        row("cemento gris", clicks=20),
    ]
    assert improbably_unconverted(rows, alpha=0.01) == [0]
    suggestions = propose_negatives(rows, [matched(10)] * 3)
    assert [(s.text, s.match_type) for s in suggestions] == [("cemento dental", "phrase")]


def test_rows_and_matches_must_align() -> None:
    with pytest.raises(ValueError, match="2 rows but 1 matches"):
        propose_negatives([row("a"), row("b")], [matched(None)])


def test_demo_account_waste_becomes_negatives_and_no_converting_term_is_blocked(
    embedder: CachedEmbedder,
) -> None:
    from campaigns.demo.catalog import CATALOG
    from campaigns.demo.generator import keyword_match, simulate

    texts, labels, ad_group_ids = [], [], {}
    theme_keywords, campaign_of, group_names, campaign_names = {}, {}, {}, {}
    for c, campaign in enumerate(CATALOG, start=1):
        campaign_names[c] = campaign.name
        for g, group in enumerate(campaign.groups):
            ad_group_ids[(campaign.name, group.name)] = (c, c * 10 + g)
            keywords = sorted({keyword_match(t.keyword)[0] for t in group.terms})
            theme_keywords[c * 10 + g], campaign_of[c * 10 + g], group_names[c * 10 + g] = keywords, c, group.name
            # ad copy and multi-word keywords state the intent; one-word broad keywords are where waste enters
            for text in [
                group.name,
                *group.headlines,
                *group.descriptions,
                *(k for k in keywords if " " in k),
            ]:
                texts.append(text)
                labels.append(c * 10 + g)
    totals: dict[tuple[str, int, int], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for day in simulate(seed=7, days=90, end=date(2026, 11, 1)):
        campaign_id, ad_group_id = ad_group_ids[(day.campaign, day.ad_group)]
        total = totals[(day.term, campaign_id, ad_group_id)]
        total[0] += day.clicks
        total[1] += day.cost_micros
        total[2] += day.conversions
    rows = [SearchTermRow(t, c, g, int(v[0]), int(v[1]), float(v[2])) for (t, c, g), v in totals.items()]
    converting = [r for r in rows if r.conversions > 0]
    matcher = IntentMatcher(embedder).fit(texts, labels)
    # no hand-labelled irrelevant terms here: the threshold is the 5% quantile of the converting terms' scores
    matcher.calibrate([r.text for r in converting], [r.ad_group_id for r in converting])
    vectors = embedder.encode([r.text for r in rows])
    theme = AccountTheme(theme_keywords, campaign_of, group_names, campaign_names, ("Materiales Ibéricos S.L.",))
    suggestions = propose_negatives(
        rows,
        matcher.predict_vectors(vectors),
        vectors=vectors,
        relevance_threshold=matcher.similarity_threshold,
        theme=theme,
    )

    blocked = {t for s in suggestions for t in s.blocked.terms}
    assert blocked == {r.text for r in rows if r.conversions == 0}
    assert all(replay(s.text, s.match_type, converting, s.campaign_ids, s.ad_group_id).terms == () for s in suggestions)
    # the top one used to be the phrase "ladrillos", the campaign's own keyword; now each has an off-theme word
    assert [(s.text, s.match_type, s.level) for s in suggestions][:3] == [
        ("ladrillos lego", "phrase", "campaign"),
        ("cemento dental", "phrase", "campaign"),
        ("bloques minecraft", "phrase", "campaign"),
    ]
    assert {s.kind for s in suggestions} == {"waste"}
    for s in suggestions:
        assert not theme.blocks_keyword(tokens(s.text), s.match_type, theme.ad_groups(s.campaign_ids, s.ad_group_id))
