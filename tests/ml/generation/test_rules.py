from __future__ import annotations

import torch

from ml.ad_rules import HEADLINE_LIMIT, KEYWORD_LIMIT, AssetLimit, text_width
from ml.generation.items import GenerationItem
from ml.generation.rules import LineLimitProcessor
from ml.generation.run import run_batch
from ml.generation.tables import token_tables


def test_token_tables_know_widths_and_newlines(tiny_model) -> None:
    tokenizer = tiny_model.tokenizer
    tables = token_tables(tokenizer)
    (hello,) = tokenizer(" Hola", add_special_tokens=False).input_ids
    (kanji,) = tokenizer("日本", add_special_tokens=False).input_ids
    newline = tokenizer.convert_tokens_to_ids("\n")
    assert tables.head_width[hello] == 5
    assert tables.head_width[kanji] == 4  # two double-width characters: Microsoft's count wins
    assert token_tables(tokenizer, ("google",)).head_width[kanji] == 2
    assert bool(tables.has_newline[newline]) and tables.head_width[newline] == 0
    assert bool(tables.forbidden[tokenizer.pad_token_id]) and not bool(tables.forbidden[tokenizer.eos_token_id])


def test_processor_masks_what_would_overflow_and_only_a_line_break_fits_at_the_limit(tiny_model) -> None:
    tokenizer = tiny_model.tokenizer
    (kanji,) = tokenizer("日本", add_special_tokens=False).input_ids
    (x,) = tokenizer("x", add_special_tokens=False).input_ids
    newline = tokenizer.convert_tokens_to_ids("\n")
    processor = LineLimitProcessor(tokenizer, [AssetLimit(4), AssetLimit(4)], ("microsoft",))
    prompt = torch.tensor([[2, 10], [2, 10]])
    scores = torch.zeros(2, len(tokenizer))
    processor(prompt, scores)
    # row 0 writes "xxx" (width 3): the two-character kanji token (width 4) no longer fits; row 1 writes "xxxx"
    ids = prompt
    for step in range(4):
        next_tokens = torch.tensor([[x], [x]]) if step < 3 else torch.tensor([[newline], [x]])
        ids = torch.cat([ids, next_tokens], dim=1)
        masked = processor(ids, torch.zeros(2, len(tokenizer)))
        if step == 2:
            assert masked[0, kanji] == float("-inf") and masked[0, x] == 0
    assert masked[0, kanji] == 0  # a new line started on row 0
    allowed = torch.isfinite(masked[1]).nonzero().flatten().tolist()
    texts = {tokenizer.convert_ids_to_tokens(i) for i in allowed}
    assert tokenizer.eos_token in texts and "\n" in texts
    assert {t for t in texts if not t.startswith("\n")} == {tokenizer.eos_token}


def test_every_sampled_line_of_a_random_model_fits_its_limit(tiny_model) -> None:
    items = [GenerationItem("Títulos:\n", HEADLINE_LIMIT, max_lines=6, max_new_tokens=60)] * 4
    completions = run_batch(tiny_model, items, seed=3, temperature=1.0)
    lines = [line for c in completions for line in c.text.split("\n")]
    assert len(lines) >= 8
    assert max(text_width(line) for line in lines) <= 30
    assert not any("!" in line for line in lines)
    again = run_batch(tiny_model, items, seed=3, temperature=1.0)
    assert [c.new_tokens for c in completions] == [c.new_tokens for c in again]


def test_a_token_banned_in_one_field_keeps_its_width_for_the_others(tiny_model) -> None:
    """Regression: the width tables are shared by every row of a mixed batch; a comma (banned in keywords) once
    counted 0 there, so a headline row in a batch led by a keyword row could write 31 characters."""
    from ml.ad_rules import KEYWORD_LIMIT

    tokenizer = tiny_model.tokenizer
    (comma,) = tokenizer(",", add_special_tokens=False).input_ids
    keyword_tables = token_tables(tokenizer, banned_chars=KEYWORD_LIMIT.banned_chars)
    assert bool(keyword_tables.forbidden[comma]) and keyword_tables.head_width[comma] == 1
    processor = LineLimitProcessor(tokenizer, [KEYWORD_LIMIT, AssetLimit(3)])
    scores = torch.zeros(2, len(tokenizer))
    processor.mask_scores(None, scores)
    for _ in range(3):
        masked = processor.mask_scores(torch.tensor([comma, comma]), torch.zeros(2, len(tokenizer)))
    assert processor._width.tolist() == [3, 3]
    assert masked[1, comma] == float("-inf")  # ",,," is already 3 wide


def test_the_latin_alphabet_keeps_other_scripts_out_of_spanish_and_english_ads(tiny_model) -> None:
    tokenizer = tiny_model.tokenizer
    latin = token_tables(tokenizer, alphabet="latin")
    every = token_tables(tokenizer)
    (kanji,) = tokenizer("日本", add_special_tokens=False).input_ids
    russian = tokenizer(" Москва", add_special_tokens=False).input_ids
    spanish = tokenizer(" señal, pingüino: 20 € «oferta» — ¿sí?", add_special_tokens=False).input_ids
    for token in [kanji, *russian]:
        assert bool(latin.forbidden[token]) and not bool(latin.emittable[token])
        assert not bool(every.forbidden[token]) and bool(every.emittable[token])
    assert not any(bool(latin.forbidden[t]) for t in spanish)
    assert bool(latin.emittable[tokenizer.eos_token_id]) and not bool(latin.emittable[tokenizer.pad_token_id])
    share = float(latin.emittable.float().mean())
    assert 0.5 < share < 0.7  # the head computes ~60% of Gemma's vocabulary for a Latin-script batch


def test_vocab_ids_cover_every_row_and_a_row_without_alphabet_needs_the_whole_vocabulary(tiny_model) -> None:
    import pytest

    from ml.ad_rules import KEYWORD_LIMIT

    tokenizer = tiny_model.tokenizer
    processor = LineLimitProcessor(tokenizer, [HEADLINE_LIMIT, KEYWORD_LIMIT], alphabets="latin")
    ids = processor.vocab_ids()
    assert torch.equal(ids, token_tables(tokenizer, alphabet="latin").emittable.nonzero().squeeze(1))
    (bang,) = tokenizer("!", add_special_tokens=False).input_ids
    assert bang in set(ids.tolist())  # banned in headlines, but a keyword-free field could still write it
    assert LineLimitProcessor(tokenizer, [HEADLINE_LIMIT, KEYWORD_LIMIT], alphabets=["latin", None]).vocab_ids() is None
    with pytest.raises(ValueError, match="unknown alphabet"):
        LineLimitProcessor(tokenizer, HEADLINE_LIMIT, alphabets="klingon")
    with pytest.raises(ValueError, match="2 alphabets for 1 limits"):
        LineLimitProcessor(tokenizer, [HEADLINE_LIMIT], alphabets=["latin", "latin"])


def test_a_restricted_processor_masks_the_same_tokens_as_the_whole_one(tiny_model) -> None:
    tokenizer = tiny_model.tokenizer
    limits = [HEADLINE_LIMIT, AssetLimit(4)]
    whole = LineLimitProcessor(tokenizer, limits, alphabets="latin")
    part = LineLimitProcessor(tokenizer, limits, alphabets="latin")
    ids = part.vocab_ids()
    part.restrict(ids)
    (word,) = tokenizer(" Hola", add_special_tokens=False).input_ids
    last = None
    for _ in range(3):
        full_scores = whole.mask_scores(last, torch.zeros(2, len(tokenizer)))
        part_scores = part.mask_scores(last, torch.zeros(2, len(ids)))
        assert torch.equal(full_scores[:, ids], part_scores)
        outside = torch.ones(len(tokenizer), dtype=torch.bool)
        outside[ids] = False
        assert bool(torch.isinf(full_scores[:, outside]).all())  # nothing left out could have been written
        last = torch.tensor([word, word])


def test_byte_fallback_pieces_of_banned_ascii_characters_are_banned_too(tiny_model) -> None:
    """Regression: ``<0x29>`` (the byte piece of ``)``) counted as a harmless one-wide placeholder, so a keyword
    could end in ``)`` although the ``)`` token itself was masked."""
    tokenizer = tiny_model.tokenizer
    byte = {
        value: tokenizer.convert_tokens_to_ids(f"<0x{value:02X}>") for value in (0x29, 0x21, 0x41, 0x09, 0x0A, 0x01)
    }
    keywords = token_tables(tokenizer, banned_chars=KEYWORD_LIMIT.banned_chars, alphabet="latin")
    headlines = token_tables(tokenizer, banned_chars=HEADLINE_LIMIT.banned_chars, alphabet="latin")
    assert keywords.forbidden[byte[0x29]] and not headlines.forbidden[byte[0x29]]
    assert headlines.forbidden[byte[0x21]]
    assert not keywords.forbidden[byte[0x41]] and keywords.head_width[byte[0x41]] == 1
    assert keywords.forbidden[byte[0x09]] and keywords.forbidden[byte[0x01]]  # tab and control bytes: never
    # <0xD9><0x0A> decodes to two U+FFFD: a newline byte would end a line the text does not end
    assert headlines.forbidden[byte[0x0A]] and "\n" not in tokenizer.decode(
        [tokenizer.convert_tokens_to_ids("<0xD9>"), byte[0x0A]]
    )


def test_logits_wider_than_the_tokenizer_are_masked_past_its_last_token(tiny_model) -> None:
    """transformers 5.17's Gemma tokenizer had 262,143 tokens for the model's 262,144 logits: generate crashed."""
    tokenizer = tiny_model.tokenizer
    processor = LineLimitProcessor(tokenizer, [HEADLINE_LIMIT, KEYWORD_LIMIT])
    masked = processor(torch.tensor([[2, 10], [2, 10]]), torch.zeros(2, len(tokenizer) + 3))
    assert masked.shape == (2, len(tokenizer) + 3)
    assert (
        torch.isinf(masked[:, len(tokenizer) :]).all() and torch.isfinite(masked[:, : len(tokenizer)]).any(dim=1).all()
    )
