"""Small text helpers shared by ingestion and search: whitespace and accent folding."""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
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
