"""Small text helpers shared by ingestion, search and feeds: cleaning, whitespace and accent
folding."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
# What no stored or served text may hold: C0 controls but tab, newline and carriage return, DEL,
# C1 controls, surrogates (only lone ones survive decoding) and the non-characters U+FFFE/U+FFFF.
# PostgreSQL refuses NUL; XML 1.0 (every Atom feed) refuses the C0 controls, surrogates and
# U+FFFE/U+FFFF; the rest is never meant as text (a DEL where TeX had \", C1 from a bad decode).
_UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# TeX accent commands as arXiv writes them in author names: \"o, {\"o}, \'{e}, \c{c}, \ss ...
_TEX_ACCENT = re.compile(
    r"\{?\\([\"'`^~=.]|[uvHckr](?=[{\s]))\s*\{?(\\i(?![A-Za-z])|[A-Za-z])\}?\}?"
)
_TEX_SPECIAL = {
    r"\ss": "ß",
    r"\o": "ø",
    r"\O": "Ø",
    r"\aa": "å",
    r"\AA": "Å",
    r"\ae": "æ",
    r"\AE": "Æ",
    r"\l": "ł",
    r"\L": "Ł",
    r"\i": "\u0131",  # dotless i
}
_COMBINING = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
# A control word ends at the first non-letter and swallows the spaces or `{}` after it.
_TEX_SPECIAL_RE = re.compile(
    r"\{?("
    + "|".join(re.escape(k) for k in sorted(_TEX_SPECIAL, key=len, reverse=True))
    + r")(?![A-Za-z])(?:\{\}|\s+)?\}?"
)

# Letters NFKD does not split into base + accent.
_FOLD_LETTERS = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "\u0131": "i"}
)


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"  # a broken character is marked, not silently joined to its neighbours
    return " " if char.isspace() else ""  # form feed, vertical tab, NEL separate words


def clean_text(text: str) -> str:
    """The one normalisation of text from outside: NFC, line ends as \\n, control characters and
    lone surrogates gone, so no field can break the database or an XML feed."""
    if not text:
        return text
    if text.isascii() and text.isprintable():
        return text  # the common case, unchanged by everything below
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _UNCLEAN.sub(_replacement, text)
    return unicodedata.normalize("NFC", text)


def squash(text: str | None) -> str:
    """Collapse runs of whitespace (arXiv wraps titles and abstracts at 80 columns)."""
    return _WS.sub(" ", text or "").strip()


def tex_accents_to_unicode(text: str) -> str:
    """Turn TeX accent commands (\\"o, \\'{e}, \\ss) into the characters they stand for."""
    if "\\" not in text:
        return text

    def accent(m: re.Match[str]) -> str:
        base = "i" if m.group(2) == "\\i" else m.group(2)  # \"{\i} is how TeX writes ï
        return unicodedata.normalize("NFC", base + _COMBINING[m.group(1)])

    text = _TEX_ACCENT.sub(accent, text)
    return _TEX_SPECIAL_RE.sub(lambda m: _TEX_SPECIAL[m.group(1)], text)


def fold(text: str) -> str:
    """Lower-case ASCII form for matching: Schrödinger, Schr\\"odinger and Schrodinger agree."""
    text = tex_accents_to_unicode(text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.translate(_FOLD_LETTERS)
    return squash(stripped).lower()


def fold_word(word: str) -> str:
    """One word's accents folded as `fold` folds them (the search engines' per-token fold):
    NFKD without combining marks, then the letters NFKD keeps whole (ß, ø, ł, æ)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD_LETTERS)
