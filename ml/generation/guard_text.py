"""The views of an untrusted sentence that the injection detectors read: disguises undone, payloads decoded.

Attackers hide instructions from pattern matching with tricks a language model reads straight through:
compatibility characters (full-width letters, ligatures), invisible zero-width and bidi control characters between
letters, Cyrillic and Greek look-alikes of Latin letters, leetspeak (``1gn0r3``), letters split by spaces or dots
(``i g n o r e``) and base64 or hex blobs. :func:`detection_views` returns the sentence with each trick undone, so
the rules and the classifier see what the model would understand. The views are for detection only: what reaches
the prompt is always the marketer's own text (or, in strip mode, what is left of it).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

# Cyrillic and Greek letters drawn like Latin ones (the usual confusables in phishing and prompt attacks)
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic lower case
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ԁ": "d",
        "һ": "h",
        "ӏ": "l",
        "ԛ": "q",
        "ԝ": "w",
        "ь": "b",
        "ɡ": "g",
        # Cyrillic upper case
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "У": "Y",
        "Х": "X",
        "Ѕ": "S",
        "І": "I",
        "Ј": "J",
        "Ԁ": "D",
        "Һ": "H",
        "Ӏ": "I",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ω": "w",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
    }
)
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# a word with a leet character next to a letter; plain numbers ("50 kg", "3/8", "2025") are left alone
_LEET_WORD = re.compile(r"[\w@$]*[^\W\d_][\w@$]*")
_LEET_CHAR = re.compile(r"[013457@$]")
# two or more single letters joined by one repeated separator: "i g n o r e", "o.l.v.i.d.a l.a.s", "i-g-n-o-r-e-z"
_SPLIT_LETTERS = re.compile(r"(?<!\w)\w([ .\-_*·•|/+~,])(?:\w\1)*\w(?!\w)")
_BASE64 = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{16,}={0,2}(?![\w+/=-])")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){10,}(?![0-9A-Fa-f])")


def normalise(text: str) -> str:
    """NFKC, without invisible format characters (zero-width, bidi controls, soft hyphen), look-alikes folded."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.translate(_HOMOGLYPHS)


def fold_leet(text: str, one: str = "i") -> str:
    """Leetspeak letters read as letters (``0→o 1→i/l 3→e 4→a 5→s 7→t @→a $→s``), inside words only."""

    def fold(match: re.Match[str]) -> str:
        word = match.group(0)
        if not _LEET_CHAR.search(word):
            return word
        return "".join(one if ch == "1" else _LEET.get(ch, ch) for ch in word)

    return _LEET_WORD.sub(fold, text)


def join_split_letters(text: str) -> str:
    """Letters written apart joined into their word; a double gap stays a word boundary."""
    return _SPLIT_LETTERS.sub(lambda m: m.group(0).replace(m.group(1), ""), text)


def _as_text(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in decoded)
    letters = sum(ch.isalpha() for ch in decoded)
    # a random SKU or hash also decodes; only prose (mostly printable, letters and a space) is worth scanning
    if len(decoded) < 8 or printable < 0.95 * len(decoded) or letters < 0.5 * len(decoded) or " " not in decoded:
        return None
    return decoded


def decoded_blobs(text: str) -> list[str]:
    """The texts hidden in base64 or hex blobs of ``text``, when they decode to readable prose."""
    found = []
    for blob in _HEX.findall(text):
        decoded = _as_text(binascii.unhexlify(blob))
        if decoded:
            found.append(decoded)
    for blob in _BASE64.findall(text):
        if _HEX.fullmatch(blob):
            continue
        bare = blob.rstrip("=").replace("-", "+").replace("_", "/")  # url-safe alphabet too
        try:
            raw = base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        decoded = _as_text(raw)
        if decoded:
            found.append(decoded)
    return found


def detection_views(sentence: str) -> list[str]:
    """The distinct readings of one sentence a detector should judge: normalised, leet folded, letters joined."""
    base = normalise(sentence)
    views = []
    for view in (base, join_split_letters(base)):
        views.extend([view, fold_leet(view), fold_leet(view, one="l")])
    return list(dict.fromkeys(views))
