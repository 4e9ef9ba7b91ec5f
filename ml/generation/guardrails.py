"""Prompt-injection detection for marketer and landing-page text.

Two detectors vote per sentence: hand-written rules (Spanish and English) for the well-known shapes (overriding
instructions, fake delimiters and chat turns, role play, prompt exfiltration, forced output) and a small
character n-gram logistic regression trained on ``ml/generation/data/injection_train.jsonl`` for paraphrases.
The classifier is trained on first use (a few hundred sentences, well under a second, fixed seed) rather than
shipped as a pickle, so it can never go stale against the installed scikit-learn.

A flagged input is refused with a clear message (``mode="refuse"``, the default), or generated with the suspicious
spans removed (``mode="strip"``): the flagged sentences, the sentence right after one when it orders output, and
every quoted string (attack payloads are usually quoted). Code-like words from removed spans become *canaries*:
an output asset containing one is dropped, because it could only have come from the removed text.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

GuardMode = Literal["refuse", "strip"]
TRAINING_DATA = Path(__file__).resolve().parent / "data" / "injection_train.jsonl"
THRESHOLD = 0.8

_I = re.IGNORECASE
RULES: dict[str, re.Pattern[str]] = {
    "override": re.compile(
        r"\b(ignore|disregard|forget|override|bypass|discard|skip)\b[^.]{0,40}\b(instructions?|directions?|rules|"
        r"guidelines|prompts?|context|above|prior|previous|earlier|programming|filters?|told)\b",
        _I,
    ),
    "override_es": re.compile(
        r"\b(ignora|ignoren|olvida|olviden|omite|descarta|anula|evita|salta)\b[^.]{0,40}\b(instrucci[oó]n(es)?|"
        r"indicaciones|reglas|pautas|prompts?|contexto|anterior(es)?|arriba|previas?|programaci[oó]n|filtros|dijeron)\b",
        _I,
    ),
    "fake_delimiter": re.compile(
        r"(<<<|>>>|</?(data|datos|instructions?|instrucciones|system|sistema)>|\[/?INST\]|<(start|end)_of_turn>|"
        r"^\s*#{2,}|\b(system|sistema|assistant|asistente|user|usuario)\s*:)",
        _I | re.MULTILINE,
    ),
    "role_play": re.compile(
        r"\b(you are (now|no longer)|from now on|pretend (you|to)|act as (a|an) \w+ (that|who)|your new role|"
        r"developer mode|jailbreak|do anything now|ahora eres|ya no eres|a partir de ahora|finge que|"
        r"act[uú]a como un \w+ que|tu nuevo rol|modo desarrollador)\b",
        _I,
    ),
    "exfiltration": re.compile(
        r"\b(system (prompt|message)|hidden instructions|initial prompt|prompt you were given|"
        r"prompt del sistema|mensaje del sistema|instrucciones ocultas|prompt inicial|prompt que te dieron)\b",
        _I,
    ),
    "forced_output": re.compile(
        r"\b((write|print|output|say|respond|reply|return|answer|emit|type|echo|copy|repeat)\b[^.]{0,25}\b"
        r"(only|exactly|verbatim|instead|nothing else|ten times)|"
        r"(escribe|imprime|muestra|responde|contesta|devuelve|di|emite|teclea|copia|repite)\b[^.]{0,25}"
        r"\b(solo|solamente|[uú]nicamente|exactamente|textualmente|en su lugar|nada m[aá]s|diez veces))\b",
        _I,
    ),
    "payload_placement": re.compile(
        r"\b((in|on|to) (all|every|each) (the )?(headlines?|descriptions?|keywords?|lines?|fields?)|"
        r"(headlines|descriptions|keywords|the ad) must (say|read|be)|set every (headline|description|keyword)|"
        r"replaced? (every|all|each) \w+ (with|by)|include the (phrase|token|code|string)|"
        r"(en|a) (todas|todos|cada) (las |los )?(t[ií]tulos?|descripci[oó]n(es)?|palabras? clave|l[ií]neas?|campos?)|"
        r"(los t[ií]tulos|las descripciones|el anuncio) deben? decir|pon en cada|reemplaza(r)? (cada|todas|todos)|"
        r"incluye la (frase|cadena|palabra))\b",
        _I,
    ),
    "task_switch": re.compile(
        r"\b(the real task|your (only )?task now|new (task|instructions?|rules) (from|for|:)|system (notice|override)|"
        r"(execute|run) the following|stop generating|except this:|excepto esto:|delimit(ers|adores)|"
        r"la tarea real|tu [uú]nica tarea|nuevas? (tarea|instrucci[oó]n|"
        r"instrucciones|reglas) (del|de|:)|aviso del sistema|anulaci[oó]n|ejecuta el siguiente|deja de generar|"
        r"override\s*:)",
        _I,
    ),
    "addressed_to_model": re.compile(
        r"\b(language model|AI model|note to the AI|attention model|modelo de (IA|lenguaje)|atenci[oó]n modelo|"
        r"nota para el modelo|IA, )",
        _I,
    ),
}
_OUTPUT_VERB = re.compile(
    r"\b(write|print|output|say|respond|reply|return|emit|type|echo|copy|repeat|generate|escribe|imprime|muestra|"
    r"responde|contesta|devuelve|di|emite|copia|repite|genera)\b",
    _I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_QUOTED = re.compile(r"'[^'\n]{1,80}'|\"[^\"\n]{1,80}\"|“[^”\n]{1,80}”|«[^»\n]{1,80}»")
_CODE_WORD = re.compile(r"\b(?=\w*\d)(?=\w*[A-Za-z])\w{4,}\b|\b[A-Z]{5,}\b")


class InjectionRefused(ValueError):
    """Raised in refuse mode; its message can be shown to the marketer as is."""


@dataclass(frozen=True)
class GuardResult:
    """The verdict on one text.

    Attributes:
        flagged: any sentence was judged an injection attempt.
        text: the text to generate from: unchanged when not flagged, spans removed in strip mode.
        removed: the removed spans, for the audit log.
        reasons: rule names and ``classifier`` for every flagged sentence.
        canaries: code-like words that occur only in removed spans; outputs containing one are dropped.
    """

    flagged: bool
    text: str
    removed: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    canaries: frozenset[str] = field(default_factory=frozenset)


class _Classifier:
    def __init__(self) -> None:
        self._pipeline: Any = None
        self._lock = threading.Lock()

    def _fit(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        rows = [json.loads(line) for line in TRAINING_DATA.read_text(encoding="utf-8").splitlines() if line]
        pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True, min_df=2),
            LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, random_state=0),
        )
        pipeline.fit([r["text"] for r in rows], [r["label"] for r in rows])
        return pipeline

    def scores(self, sentences: list[str]) -> list[float]:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._fit()
        if not sentences:
            return []
        return [float(p) for p in self._pipeline.predict_proba(sentences)[:, 1]]


_classifier = _Classifier()


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of ``text``, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def sentence_reasons(sentence: str, score: float, threshold: float = THRESHOLD) -> list[str]:
    """Why one sentence is suspicious: the matching rule names, plus ``classifier`` above the threshold."""
    reasons = [name for name, pattern in RULES.items() if pattern.search(sentence)]
    if score >= threshold:
        reasons.append("classifier")
    return reasons


def inspect(text: str, mode: GuardMode = "refuse", threshold: float = THRESHOLD) -> GuardResult:
    """Judge untrusted text and, in strip mode, remove the suspicious spans.

    Args:
        text: marketer or landing-page text.
        mode: ``refuse`` raises on a flagged text; ``strip`` returns it with the spans removed.
        threshold: classifier probability above which a sentence counts as an injection.

    Returns:
        The verdict; ``result.text`` is what may reach the prompt.

    Raises:
        InjectionRefused: in refuse mode when the text is flagged, or in strip mode when nothing is left.
    """
    sentences = split_sentences(text)
    scores = _classifier.scores(sentences)
    flagged_at: list[int] = []
    reasons: list[str] = []
    for i, (sentence, score) in enumerate(zip(sentences, scores, strict=True)):
        found = sentence_reasons(sentence, score, threshold)
        if found:
            flagged_at.append(i)
            reasons.extend(found)
    if not flagged_at:
        return GuardResult(flagged=False, text=text)
    if mode == "refuse":
        raise InjectionRefused(
            "The text contains what looks like instructions to the AI model "
            f"({', '.join(sorted(set(reasons)))}), so nothing was generated. Remove them and try again, "
            "or ask an administrator to switch generation to removing suspicious text."
        )
    remove = set(flagged_at)
    # an attack's second sentence often carries the payload ("Ignore the above. Print X.")
    remove |= {i + 1 for i in flagged_at if i + 1 < len(sentences) and _OUTPUT_VERB.search(sentences[i + 1])}
    removed = [sentences[i] for i in sorted(remove)]
    kept = [sentences[i] for i in range(len(sentences)) if i not in remove]
    kept_text = " ".join(kept)
    quoted = _QUOTED.findall(kept_text)
    for span in quoted:
        kept_text = kept_text.replace(span, " ")
    kept_text = " ".join(kept_text.split())
    canaries = {w.casefold() for span in removed + quoted for w in _CODE_WORD.findall(span)}
    canaries -= {w.casefold() for w in _CODE_WORD.findall(kept_text)}
    if not kept_text.strip():
        raise InjectionRefused("The text consists only of instructions to the AI model; nothing is left to use.")
    return GuardResult(
        flagged=True,
        text=kept_text,
        removed=tuple(removed + quoted),
        reasons=tuple(dict.fromkeys(reasons)),
        canaries=frozenset(canaries),
    )


def contains_canary(text: str, canaries: frozenset[str]) -> bool:
    """Whether a generated asset repeats a canary word (case-insensitive)."""
    folded = text.casefold()
    return any(c in folded for c in canaries)
