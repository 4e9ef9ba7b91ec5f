"""The decoding rule, written once: what a row may write next, how it is drawn, and when the row is done.

Every engine (:mod:`~ml.generation.engines`) applies the same rule with the same per-token tables
(:mod:`~ml.generation.tables`): the stateful adapters below (:class:`LineLimitProcessor`, :class:`ListStop`, shaped
like transformers' logits processor and stopping criterion) for ``loop`` and ``generate``, and the fixed-shape step
of ``static`` on its device buffers. The rule itself is the functions :func:`banned_tokens` and :func:`next_width`
(the width limit), :func:`next_lines` (the list stop), :func:`row_ended` (EOS and each row's token cap) and
:func:`choose` (greedy or top-k sampling); an engine keeps its state and calls them.

The model writes one asset per line. :class:`LineLimitProcessor` keeps, for every row of the batch, the width of
the line being written and masks every token that would push it past the limit; at the limit only a newline or
EOS is left, so a generated line can never be too wide. Characters a field may never hold (``!`` in headlines, ``@``
in keywords) and tokens outside the row's alphabet are masked outright.

:class:`ListStop` ends a row when it has written the wanted number of lines or a blank line (the few-shot
separator), which is what lets short rows stop early inside a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ml.ad_rules import BOTH_PLATFORMS, AssetLimit, Platform
from ml.generation.tables import fit_columns, line_tables, token_tables

if TYPE_CHECKING:
    import torch

    from ml.generation.tables import TokenTables


@dataclass(frozen=True)
class Sampling:
    """How the next token is drawn from the allowed ones.

    Attributes:
        temperature: 0 (or less) picks the most likely token (greedy); otherwise the scores are divided by it.
        top_k: draw among the k most likely tokens. Top-k, not top-p: top-p sorts the whole 262k vocabulary for
            every row at every step, which costs more than a small model's forward pass on CPU.
    """

    temperature: float = 0.5
    top_k: int = 40

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0


class TokenTrace:
    """Each row's log-probability of every token it wrote, under the model's own distribution: the scores before
    the width mask, the field's banned characters and top-k (over the columns the engine computed: the row's
    alphabet when the LM head is restricted).

    The width mask can leave a row nothing but a newline while the model meant to go on ("Sacos de 5|0 kg"); the
    newline it then writes is one the model itself gives a low probability. The caller reads that per line
    (:mod:`ml.generation.lines`) to tell a line the model ended from one the limit ended, and ranks lines by the
    model's mean log-probability. An engine that cannot record (``graph``) leaves it empty.

    Args:
        rows: the batch's rows.
    """

    def __init__(self, rows: int) -> None:
        self.logprobs: list[list[float]] = [[] for _ in range(rows)]

    def record(self, rows: Sequence[int], raw_scores: torch.Tensor, columns: torch.Tensor) -> None:
        """Add, for each live row ``rows[i]``, the log-probability of column ``columns[i]`` of its raw scores."""
        import torch

        chosen = raw_scores.gather(1, columns.unsqueeze(1)).squeeze(1)
        values = (chosen - torch.logsumexp(raw_scores, dim=-1)).tolist()
        for row, value in zip(rows, values, strict=True):
            self.logprobs[row].append(value)


@dataclass(frozen=True)
class BatchRules:
    """The rule's per-batch state every engine takes: the width limits (None: unconstrained) and the list stop.

    Attributes:
        limits: a :class:`LineLimitProcessor` with one limit per row, or None to write without limits.
        stop: a :class:`ListStop` with each row's line count.
        trace: where an engine records each written token's log-probability, or None.
    """

    limits: LineLimitProcessor | None
    stop: ListStop
    trace: TokenTrace | None = None


def next_width(
    width: torch.Tensor,
    tokens: torch.Tensor,
    head_width: torch.Tensor,
    tail_width: torch.Tensor,
    has_newline: torch.Tensor,
) -> torch.Tensor:
    """Each row's width of the line being written after it wrote ``tokens`` (a newline starts a new line)."""
    import torch

    return torch.where(has_newline[tokens], tail_width[tokens], width + head_width[tokens])


def banned_tokens(
    width: torch.Tensor,
    max_width: torch.Tensor,
    head_width: torch.Tensor,
    forbidden: torch.Tensor,
    blank_first: torch.Tensor,
    first: bool | torch.Tensor,
) -> torch.Tensor:
    """``[rows, vocab]``: True where a token may not come next.

    A token is banned when its text before any newline does not fit the row's room (``max_width - width``), when
    the row's field forbids it, or, as the row's first token, when it starts with a blank line (a blank line ends
    the list, :func:`next_lines`, so as the first token it would end it before it began).

    Args:
        width: ``[rows]`` the width written on each row's current line.
        max_width: ``[rows]`` each row's limit.
        head_width: ``[vocab]`` each token's width before its first newline.
        forbidden: ``[rows, vocab]`` each row's forbidden tokens.
        blank_first: ``[vocab]`` tokens that are a newline with nothing before it.
        first: whether this is the rows' first token (a bool, or a one-element bool tensor on the device).
    """
    mask = (head_width.unsqueeze(0) > (max_width - width).unsqueeze(1)) | forbidden
    if isinstance(first, bool):
        return mask | blank_first.unsqueeze(0) if first else mask
    return mask | (blank_first & first)


def next_lines(
    lines: torch.Tensor,
    prev_newline: torch.Tensor,
    tokens: torch.Tensor,
    tables: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    max_lines: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The list stop after each row wrote ``tokens``: a row is done after ``max_lines`` newlines or a blank line.

    Args:
        lines: ``[rows]`` newlines written so far.
        prev_newline: ``[rows]`` the previous token ended with a newline (with the next starting with one, a blank
            line).
        tokens: ``[rows]`` the tokens just written.
        tables: ``(newlines, blank, starts, ends)`` per token (:func:`line_tables`).
        max_lines: ``[rows]`` the lines each row wants.

    Returns:
        ``(lines, prev_newline, done)`` after the tokens.
    """
    newlines, blank, starts, ends = tables
    lines = lines + newlines[tokens]
    blank_line = blank[tokens] | (prev_newline & starts[tokens])
    return lines, ends[tokens], (lines >= max_lines) | blank_line


def row_ended(tokens: torch.Tensor, eos: torch.Tensor, written: torch.Tensor | int, caps: torch.Tensor) -> torch.Tensor:
    """``[rows]``: True where a row wrote an end-of-sequence token or has written its cap of tokens."""
    return (tokens.unsqueeze(1) == eos.unsqueeze(0)).any(dim=1) | (caps <= written)


def choose(
    scores: torch.Tensor, top_k: int, temperature: float | torch.Tensor | None, noise: torch.Tensor | None = None
) -> torch.Tensor:
    """Each row's next token from its (masked) scores.

    Args:
        scores: ``[rows, vocab]``.
        top_k: draw among the k highest scores.
        temperature: None for greedy (argmax); else a number or a one-element tensor on the scores' device.
        noise: ``[rows, top_k]`` scratch on the device: draw by Gumbel-max (``argmax(s / T + G)``, ``G = -log E``
            with ``E ~ Exp(1)``, the same distribution as ``softmax(s / T)``) without leaving the device, as a CUDA
            graph must; None draws with ``torch.multinomial`` (under the caller's seed).
    """
    import torch

    if temperature is None:
        return scores.argmax(dim=-1)
    # top-k before the temperature: the same k tokens and values, one division of k numbers per row instead of the
    # whole vocabulary
    top_scores, top_ids = scores.topk(min(top_k, scores.shape[-1]), dim=-1)
    if noise is None:
        choice = torch.multinomial(torch.softmax(top_scores / temperature, dim=-1), 1)
    else:
        choice = (top_scores / temperature - noise.exponential_().log()).argmax(dim=-1, keepdim=True)
    return top_ids.gather(1, choice).squeeze(1)


class LineLimitProcessor:
    """Logits processor: masks tokens that would make the current line wider than its limit.

    Duck-typed to transformers' ``LogitsProcessor`` so that importing this module never imports transformers.

    One instance serves one ``generate`` call (it keeps per-row state); build a new one for the next batch.

    Args:
        tokenizer: the model's tokenizer.
        limits: the field's width limit and banned characters, or one per batch row (rows of a batch may write
            different fields).
        platforms: whose width counting applies; the stricter wins.
        alphabets: the alphabet (a key of :data:`ALPHABETS`) of all rows or of each row; None allows every script.

    Raises:
        ValueError: as many alphabets as limits are needed when both are given per row.

    Example:
        >>> processor = LineLimitProcessor(tokenizer, HEADLINE_LIMIT)
        >>> model.generate(**inputs, logits_processor=LogitsProcessorList([processor]))
    """

    def __init__(
        self,
        tokenizer: Any,
        limits: AssetLimit | Sequence[AssetLimit],
        platforms: tuple[Platform, ...] = BOTH_PLATFORMS,
        alphabets: str | None | Sequence[str | None] = None,
    ) -> None:
        import torch

        self.limits = (limits,) if isinstance(limits, AssetLimit) else tuple(limits)
        if alphabets is None or isinstance(alphabets, str):
            self.alphabets: tuple[str | None, ...] = (alphabets,) * len(self.limits)
        else:
            self.alphabets = tuple(alphabets)
            if len(self.alphabets) != len(self.limits):
                raise ValueError(f"{len(self.alphabets)} alphabets for {len(self.limits)} limits")
        row_keys = list(zip(self.limits, self.alphabets, strict=True))
        kinds = list(dict.fromkeys(row_keys))
        tables = [token_tables(tokenizer, platforms, limit.banned_chars, alphabet) for limit, alphabet in kinds]
        self.tables = tables[0]
        self._forbidden_by_kind = torch.stack([t.forbidden for t in tables])
        self._emittable_by_kind = torch.stack([t.emittable for t in tables])
        self._row_kind = torch.tensor([kinds.index(key) for key in row_keys])
        self._row_max = torch.tensor([limit.max_width for limit in self.limits], dtype=torch.int32)
        self._prompt_len: int | None = None
        self._width: torch.Tensor | None = None
        self._vocab: torch.Tensor | None = None

    def vocab_ids(self) -> torch.Tensor | None:
        """The ids of every token some row's alphabet allows (ascending), or None when a row allows every script.

        Every other token is masked in every row, so logits computed for these ids alone give the same choices.
        """
        if any(alphabet is None for alphabet in self.alphabets):
            return None
        return self._emittable_by_kind.any(0).nonzero().squeeze(1)

    def restrict(self, vocab_ids: torch.Tensor) -> None:
        """Take scores over ``vocab_ids`` only (column j is token ``vocab_ids[j]``); call before the first step.

        Args:
            vocab_ids: ascending token ids, a superset of :meth:`vocab_ids` (tokens outside it cannot be written).
        """
        if self._width is not None:
            raise RuntimeError("restrict() must come before the first step")
        self._vocab = vocab_ids

    def _advance(self, input_ids: torch.Tensor, vocab: int) -> torch.Tensor:
        import torch

        if self._prompt_len is None:
            self._tables_on(input_ids.device, input_ids.shape[0], vocab)  # refuses a wrong number of limits
            self._prompt_len = input_ids.shape[1]
            self._width = torch.zeros(input_ids.shape[0], dtype=torch.int32, device=input_ids.device)
        elif input_ids.shape[1] > self._prompt_len:
            last = input_ids[:, -1]
            assert self._width is not None
            self._width = next_width(self._width, last, self._head, self._tail, self._newline)
        assert self._width is not None
        return self._width

    def _per_row(self, rows: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Each row's kind (index into the kinds' tables) and width limit, for a batch of ``rows``."""
        if len(self.limits) == 1:
            return self._row_kind.expand(rows), self._row_max.expand(rows)
        if len(self.limits) != rows:
            raise ValueError(f"{len(self.limits)} limits for a batch of {rows} rows")
        return self._row_kind, self._row_max

    def _tables_on(self, device: torch.device, rows: int, width: int) -> None:
        """Move the tables to ``device`` for ``rows`` rows, the mask's fitted to the scores' ``width`` columns once."""
        self._head = self.tables.head_width.to(device)
        self._tail = self.tables.tail_width.to(device)
        self._newline = self.tables.has_newline.to(device)
        row_kind, max_width = self._per_row(rows)
        forbidden = self._forbidden_by_kind.to(device)
        # the mask's columns: the whole vocabulary, or the restricted one (the width update keeps full-vocab tables,
        # indexed by token id)
        mask_head, mask_newline = self._head, self._newline
        if self._vocab is not None:
            vocab = self._vocab.to(device)
            forbidden = forbidden[:, vocab]
            mask_head, mask_newline = self._head[vocab], self._newline[vocab]
        self._mask_head = fit_columns(mask_head, width, 0)
        self._mask_blank_first = fit_columns(mask_newline, width, False) & (self._mask_head == 0)
        self._forbidden = fit_columns(forbidden, width, True)[row_kind.to(device)]
        self._max = max_width.to(device)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """Return ``scores`` with every over-wide or forbidden token set to -inf (``generate``'s interface)."""
        width = self._advance(input_ids, scores.shape[1])
        return self._mask(width, scores, first=input_ids.shape[1] == self._prompt_len)

    def mask_scores(self, last_tokens: torch.Tensor | None, scores: torch.Tensor) -> torch.Tensor:
        """The same for a decode loop that passes only each row's previous token (None before the first token).

        Args:
            last_tokens: the token each live row generated at the previous step, or None at the first step.
            scores: ``[rows, vocab]`` logits of the live rows.
        """
        import torch

        if last_tokens is None:
            self._tables_on(scores.device, scores.shape[0], scores.shape[1])  # refuses a wrong number of limits
            self._width = torch.zeros(scores.shape[0], dtype=torch.int32, device=scores.device)
        else:
            assert self._width is not None
            last = last_tokens.to(scores.device)
            self._width = next_width(self._width, last, self._head, self._tail, self._newline)
        return self._mask(self._width, scores, first=last_tokens is None)

    def static_tables(self, rows: int) -> tuple[TokenTables, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The tables a fixed-shape decoder (:mod:`~ml.generation.engines.static`) applies this processor's rule with.

        Args:
            rows: the batch's rows.

        Returns:
            ``(tables, forbidden_by_kind, row_kind, max_width)`` on CPU: the :class:`TokenTables` holding the
            per-token widths (the same object for every batch of one tokenizer and platforms), the banned tokens
            of each kind of row ``[kinds, vocab]``, each row's kind and each row's width limit.
        """
        row_kind, max_width = self._per_row(rows)
        return self.tables, self._forbidden_by_kind, row_kind, max_width

    def select(self, keep: torch.Tensor) -> None:
        """Keep only the rows ``keep`` (indices into the current rows): the others finished and left the batch."""
        assert self._width is not None
        self._width = self._width[keep]
        self._forbidden = self._forbidden[keep]
        self._max = self._max[keep]

    def _mask(self, width: torch.Tensor, scores: torch.Tensor, first: bool) -> torch.Tensor:
        banned = banned_tokens(width, self._max, self._mask_head, self._forbidden, self._mask_blank_first, first)
        return scores.masked_fill(banned, float("-inf"))


class ListStop:
    """A transformers stopping criterion (duck-typed): a row is done after ``max_lines`` newlines, a blank line, or EOS.

    Args:
        tokenizer: the model's tokenizer (for the newline table).
        max_lines: lines wanted, for all rows or one number per row.
    """

    def __init__(self, tokenizer: Any, max_lines: int | Sequence[int]) -> None:
        import torch

        self.max_lines = torch.tensor([max_lines] if isinstance(max_lines, int) else list(max_lines))
        self._newlines, self._blank, self._starts, self._ends = line_tables(tokenizer)
        self._prompt_len: int | None = None
        self._lines: torch.Tensor | None = None
        self._prev_newline: torch.Tensor | None = None

    def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
        """Return one bool per row: True where the row is finished (``generate``'s interface)."""
        return self.update(input_ids[:, -1].cpu()).to(input_ids.device)

    def update(self, last: torch.Tensor) -> torch.Tensor:
        """Take each live row's newest token (on CPU); return True where that row is finished."""
        import torch

        if self._lines is None:
            self._lines = torch.zeros(last.shape[0], dtype=torch.int32)
            self._prev_newline = torch.zeros(last.shape[0], dtype=torch.bool)
            if self.max_lines.shape[0] == 1:
                self.max_lines = self.max_lines.expand(last.shape[0])
        assert self._prev_newline is not None
        tables = (self._newlines, self._blank, self._starts, self._ends)
        lines, prev_newline, done = next_lines(self._lines, self._prev_newline, last, tables, self.max_lines)
        self._lines, self._prev_newline = lines, prev_newline
        return done

    def static_tables(self, rows: int) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        """``((newlines, blank, starts, ends), max_lines)`` on CPU: the per-token tables (the same tensors for
        every batch of one tokenizer) and each row's line count.

        A fixed-shape decoder (:mod:`~ml.generation.engines.static`) applies the same rule on the device with them.
        """
        max_lines = self.max_lines.expand(rows) if self.max_lines.shape[0] == 1 else self.max_lines
        if max_lines.shape[0] != rows:
            raise ValueError(f"{self.max_lines.shape[0]} line counts for a batch of {rows} rows")
        return (self._newlines, self._blank, self._starts, self._ends), max_lines

    def select(self, keep: torch.Tensor) -> None:
        """Keep only the rows ``keep`` (indices into the current rows, on CPU)."""
        assert self._lines is not None and self._prev_newline is not None
        self._lines, self._prev_newline = self._lines[keep], self._prev_newline[keep]
        self.max_lines = self.max_lines[keep]
