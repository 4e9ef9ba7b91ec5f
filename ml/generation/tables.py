"""Per-token tables of a tokenizer, built once per process and shared by every engine's rule.

Widths are counted per platform (:func:`ml.ad_rules.char_width`): with Microsoft in the target platforms a
double-width character counts two, so the stricter count wins. The tables (width before the first newline, width
after the last, banned, special; newlines for the list stop) are built once per (tokenizer, platforms, banned
characters, alphabet) and cached in the process: a 262k vocabulary takes about a second.

An *alphabet* (:data:`ALPHABETS`, chosen per row from the ad's language by :data:`LANGUAGE_ALPHABET`) bans every
token with a character outside the script the ad is written in: a Spanish or English ad never holds Cyrillic, CJK,
Arabic or emoji, yet 40% of Gemma's multilingual vocabulary is made of them. Besides keeping such tokens out of ads,
it lets the decode loop compute the LM head only for the tokens some row of the batch may write
(:meth:`~ml.generation.rules.LineLimitProcessor.vocab_ids`), which gives the same text at 60% of the head's cost.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ml.ad_rules import BOTH_PLATFORMS, Platform, char_width

if TYPE_CHECKING:
    import torch


_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
_tables_lock = threading.Lock()
_tables: dict[tuple[Any, ...], TokenTables] = {}
_per_token: dict[tuple[Any, ...], Any] = {}


def _latin(char: str) -> bool:
    """Letters, digits and signs of Latin-script ads (Spanish, English and the brand names they quote).

    ASCII, Latin-1 and Latin Extended-A/B (U+0000-U+024F), typographic punctuation (dashes, quotes, ellipsis,
    U+2010-U+2027, per mille and guillemets U+2030-U+203A), currency signs (U+20A0-U+20BF) and the trade mark sign.
    """
    code = ord(char)
    return (
        code < 0x250
        or 0x2010 <= code <= 0x2027
        or 0x2030 <= code <= 0x203A
        or 0x20A0 <= code <= 0x20BF
        or code == 0x2122
    )


ALPHABETS: dict[str, Callable[[str], bool]] = {"latin": _latin}
# the alphabet generated ads of each language are written in; a language not listed gets the whole vocabulary
LANGUAGE_ALPHABET: dict[str, str] = {"es": "latin", "en": "latin"}


@dataclass(frozen=True)
class TokenTables:
    """Per-token facts the processor needs, as 1-D tensors over the vocabulary.

    Attributes:
        head_width: width of the token's text before its first newline (the whole text when it has none).
        tail_width: width after its last newline (meaningful only where has_newline).
        has_newline: the token contains a newline.
        forbidden: special tokens, banned characters, characters outside the alphabet; never allowed.
        emittable: tokens the alphabet allows (whatever the field's banned characters): special tokens and tokens
            outside the alphabet are not; EOS is.
        eos_ids: ids that end generation.
    """

    head_width: torch.Tensor
    tail_width: torch.Tensor
    has_newline: torch.Tensor
    forbidden: torch.Tensor
    emittable: torch.Tensor
    eos_ids: tuple[int, ...]


def _piece_text(piece: str) -> str | None:
    """A SentencePiece token's surface text; None for a piece never to be written.

    A byte-fallback piece of a printable ASCII character is that character (``<0x29>`` is ``)``: banned in keywords
    like the ``)`` token itself). The byte pieces of ASCII control characters, newline included, are never written:
    after an unfinished multi-byte sequence the decoder turns a ``<0x0A>`` into U+FFFD with it, so the line the
    width count ended would go on (newlines come from the ``\n`` pieces). A non-ASCII byte becomes a placeholder of
    the right width.
    """
    match = _BYTE_PIECE.match(piece)
    if match:
        byte = int(match.group(1), 16)
        if byte < 0x80:
            return chr(byte) if 0x20 <= byte < 0x7F else None
        # A lead byte of a 3- or 4-byte UTF-8 sequence (where CJK lives) counts two, every other byte one: a
        # character split over byte pieces is over-counted, never under-counted, and an orphan byte that decodes
        # to U+FFFD is still counted.
        return "\u3000" if byte >= 0xE0 else "x"
    return piece.replace("\u2581", " ")


def _width(text: str, platforms: Iterable[Platform]) -> int:
    return max(sum(char_width(c, p) for c in text) for p in platforms)


def fit_columns(table: torch.Tensor, width: int, fill: Any) -> torch.Tensor:
    """``table`` cut or padded (with ``fill``) along its last dimension to ``width`` columns.

    A model's logits may have more columns than its tokenizer has tokens (Gemma 3's 262,144 against 262,143 in some
    tokenizer versions): the padding columns get ``fill`` (width 0, or banned).
    """
    import torch

    have = table.shape[-1]
    if have >= width:
        return table[..., :width]
    return torch.cat([table, table.new_full((*table.shape[:-1], width - have), fill)], dim=-1)


def _per_token_cached(kind: str, tokenizer: Any, options: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """``build()``, computed once per process for this kind of per-token table, tokenizer and options."""
    key = (kind, getattr(tokenizer, "name_or_path", ""), len(tokenizer), *options)
    with _tables_lock:
        if key in _per_token:
            return _per_token[key]
    value = build()
    with _tables_lock:
        _per_token[key] = value
    return value


def _token_texts(tokenizer: Any) -> list[str | None]:
    """Each token's surface text; None for special and control tokens (never generated). Cached per process."""
    return _per_token_cached("texts", tokenizer, (), lambda: _build_token_texts(tokenizer))


def _build_token_texts(tokenizer: Any) -> list[str | None]:
    added = getattr(tokenizer, "added_tokens_decoder", {}) or {}
    # Gemma lists runs of newlines and spaces as (non-special) added tokens: they are text; every other added
    # token (<start_of_turn>, <unusedN>, image markers, [multimodal]) is control and never generated
    control = set(tokenizer.all_special_ids) | {i for i, t in added.items() if getattr(t, "content", "x").strip()}
    return [
        None if i in control or piece is None else _piece_text(piece)
        for i, piece in enumerate(tokenizer.convert_ids_to_tokens(list(range(len(tokenizer)))))
    ]


def _token_widths(text: str | None, platforms: tuple[Platform, ...]) -> tuple[int, int, bool]:
    """A token's width before its first newline, after its last, and whether it holds one (zeros for control)."""
    if text is None:
        return 0, 0, False
    if "\n" not in text:
        # the common case, ASCII, without a unicodedata lookup per character
        return (len(text) if text.isascii() else _width(text, platforms)), 0, False
    return _width(text.split("\n", 1)[0], platforms), _width(text.rsplit("\n", 1)[1], platforms), True


def _width_tables(tokenizer: Any, platforms: tuple[Platform, ...]) -> tuple[list[int], list[int], list[bool]]:
    """Per token: width before its first newline, width after its last, holds a newline (cached per process)."""

    def build() -> tuple[list[int], list[int], list[bool]]:
        rows = [_token_widths(text, platforms) for text in _token_texts(tokenizer)]
        head, tail, newline = (list(column) for column in zip(*rows, strict=True))
        return head, tail, newline

    return _per_token_cached("widths", tokenizer, (platforms,), build)


def _alphabet_table(tokenizer: Any, alphabet: str | None) -> list[bool]:
    """Per token: every character is in ``alphabet`` (None: any script); False for control tokens (cached)."""
    in_alphabet = ALPHABETS[alphabet] if alphabet is not None else None
    return _per_token_cached(
        "alphabet",
        tokenizer,
        (alphabet,),
        lambda: [
            text is not None and (in_alphabet is None or text.isascii() or all(in_alphabet(c) for c in text))
            for text in _token_texts(tokenizer)
        ],
    )


def token_tables(
    tokenizer: Any,
    platforms: tuple[Platform, ...] = BOTH_PLATFORMS,
    banned_chars: frozenset[str] = frozenset(),
    alphabet: str | None = None,
) -> TokenTables:
    """Build (or fetch from the process cache) the per-token tables for a tokenizer.

    The widths (per platforms) and the alphabet check (per alphabet) are computed once and shared by every field's
    tables; a field adds only its banned characters. The tables are built as Python lists and turned into tensors
    once (setting 262k tensor elements one by one took seconds per field).

    Args:
        tokenizer: a transformers tokenizer.
        platforms: the widths of every listed platform are computed and the largest kept.
        banned_chars: characters that may never be generated in this field.
        alphabet: a key of :data:`ALPHABETS`: tokens with a character outside it are never generated; None
            allows every script.

    Returns:
        The tables, on CPU.

    Raises:
        ValueError: an unknown alphabet.
    """
    import torch

    if alphabet is not None and alphabet not in ALPHABETS:
        raise ValueError(f"unknown alphabet {alphabet!r}; known: {', '.join(sorted(ALPHABETS))}")
    key = (getattr(tokenizer, "name_or_path", ""), len(tokenizer), platforms, banned_chars, alphabet)
    with _tables_lock:
        if key in _tables:
            return _tables[key]
    head, tail, newline = _width_tables(tokenizer, platforms)
    emittable = list(_alphabet_table(tokenizer, alphabet))
    blocked = set(banned_chars) | {"\r", "\t"}
    # a banned token still gets its widths: rows of other fields in the same batch share these width tables
    forbidden = [
        text is None or not ok or not blocked.isdisjoint(text)
        for text, ok in zip(_token_texts(tokenizer), emittable, strict=True)
    ]
    eos = tokenizer.eos_token_id
    eos_ids = tuple(eos) if isinstance(eos, list) else ((eos,) if eos is not None else ())
    for token_id in eos_ids:
        forbidden[token_id] = False
        emittable[token_id] = True
    tables = TokenTables(
        torch.tensor(head, dtype=torch.int32),
        torch.tensor(tail, dtype=torch.int32),
        torch.tensor(newline, dtype=torch.bool),
        torch.tensor(forbidden, dtype=torch.bool),
        torch.tensor(emittable, dtype=torch.bool),
        eos_ids,
    )
    with _tables_lock:
        _tables[key] = tables
    return tables


def line_tables(tokenizer: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per token: newline count, holds a blank line, starts with a newline, ends with one (cached per process)."""
    import torch

    def build() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        texts = [t or "" for t in _token_texts(tokenizer)]
        return (
            torch.tensor([t.count("\n") for t in texts], dtype=torch.int32),
            torch.tensor([bool(re.search(r"\n\s*\n", t)) for t in texts], dtype=torch.bool),
            torch.tensor([t.lstrip(" ").startswith("\n") for t in texts], dtype=torch.bool),
            torch.tensor([t.rstrip(" ").endswith("\n") for t in texts], dtype=torch.bool),
        )

    return _per_token_cached("lines", tokenizer, (), build)
