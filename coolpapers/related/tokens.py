"""Text to terms for keywords and related papers: words, two-word phrases, authors.

One analysis serves both uses, so a keyword is always a term the similarity model knows.
Terms are light stems (plural endings removed) so "images" meets "image"; keywords show
the surface form the paper wrote instead (`Analysis.surface`). Two-word phrases are
adjacent content words inside one clause: punctuation, stopwords, numbers and formulas
break a phrase, a hyphen does not ("self-supervised" gives "self supervised").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from coolpapers.papers.text import fold, tex_accents_to_unicode

# Formulas carry no words we want; TeX commands outside them are formatting (\emph{x} keeps x).
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_COMMAND = re.compile(r"\\[A-Za-z]+\*?|\\.")
_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+")
_BOILERPLATE_PHRASES = re.compile(r"state[- ]of[- ]the[- ]art")
# A word (hyphenated parts stay together) or a mark that ends a phrase.
_PIECE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|[^\sa-z0-9'-]|\s-+\s|--+")
_WORD_OK = re.compile(r"[a-z][a-z0-9]*|[1-4]d")  # 2d/3d are words; "100um", "7b" are numbers
# The search index's words are runs of \w joined by single dots (search/backends/whoosh.py and
# tantivy.py: \w+(\.?\w+)*): a keyword is findable where no such word continues it either side.
_SEARCH_WORD_START = r"(?<!\w)(?<!\w\.)"
_SEARCH_WORD_END = r"(?!\w)(?!\.\w)"


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Hyphenated prefixes that are also written closed up: "pre-trained" meets "pretrained".
_PREFIXES = _word_set("non pre post multi semi sub anti co re un inter intra bi tri mis de")

STOPWORDS = _word_set(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst an and another any anyhow anyone anything anyway anywhere
    are around as at be became because become becomes becoming been before beforehand behind
    being below beside besides between beyond both but by can cannot could did do does doing
    done down due during each eg either else elsewhere enough especially et etc even ever every
    everyone everything everywhere except few for former formerly from further had has have
    having he hence her here hereby herein hers herself him himself his how however i ie if in
    indeed into is it its itself just least less many may me meanwhile might mine more moreover
    most mostly much must my myself namely neither never nevertheless next no nobody none nor
    not nothing now nowhere of off often on once one only onto or other others otherwise our
    ours ourselves out over own per perhaps please quite rather re same see seem seemed seeming
    seems several she should since so some somehow someone something sometime sometimes
    somewhere still such than that the their theirs them themselves then thence there
    thereafter thereby therefore therein thereupon these they this those though through
    throughout thru thus to together too toward towards under until up upon us very via viz vs
    was we well were what whatever when whence whenever where whereafter whereas whereby
    wherein whereupon wherever whether which while whither who whoever whole whom whose why
    will with within without would yet you your yours yourself yourselves tbd
    aren couldn didn doesn don hadn hasn haven isn ll mustn needn shan shouldn ve wasn weren
    won wouldn
    """
)

# Boilerplate ("propose", "results") is not listed here: the corpus model learns it from how
# fields use a word and how rarely titles do (corpus.py), and keeps it out of keywords only.
# The contractions' stubs above ("doesn", "ll") are what a word split at its apostrophe leaves.
IGNORED = STOPWORDS


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """Harman's S-stemmer: plurals only, so a stem still reads as the word it came from."""
    if len(word) > 3 and word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if len(word) > 2 and word.endswith("s") and not word.endswith(("us", "ss", "is")):
        return word[:-1]
    return word


def _fold(text: str) -> str:
    return text.lower() if text.isascii() else fold(text)


def clean(text: str) -> str:
    """Lower-case ASCII text without formulas, TeX commands and URLs."""
    if "\\" in text or "$" in text:
        text = _COMMAND.sub(" ", _MATH.sub(" . ", tex_accents_to_unicode(text)))
    if "@" in text or "//" in text:
        text = _URL.sub(" . ", text)
    return _BOILERPLATE_PHRASES.sub(" . ", _fold(text))


Word = tuple[str, str, bool]  # term, surface, joined to the previous word by a hyphen


@lru_cache(maxsize=1 << 18)
def _piece_words(piece: str) -> tuple[Word | None, ...]:
    if not piece[0].isalnum():
        return (None,)
    parts = [(part, part) for part in piece.split("-")]
    if len(parts) == 2 and parts[0][0] in _PREFIXES:
        parts = [(parts[0][0] + parts[1][0], piece)]  # written as the paper wrote it
    out: list[Word | None] = []
    for i, (part, written) in enumerate(parts):
        term = stem(part)
        ok = len(part) > 1 and _WORD_OK.fullmatch(part) and not {part, term} & IGNORED
        out.append((term, written, i > 0) if ok else None)
    return tuple(out)


def _words(text: str) -> list[Word | None]:
    """Every content word in order; None where a phrase cannot continue."""
    return [w for piece in _PIECE.findall(clean(text)) for w in _piece_words(piece)]


@dataclass
class Analysis:
    """A paper's terms: its words in order and where two of them form a phrase candidate.

    Phrase i is words[joins[i]] + " " + words[joins[i] + 1]; the first `title_words` words
    come from the title. `extra` holds author and comment terms (similarity only).
    """

    words: list[str] = field(default_factory=list)  # stems
    forms: list[str] = field(default_factory=list)  # as written, parallel to words
    joins: list[int] = field(default_factory=list)
    hyphenated: list[bool] = field(default_factory=list)  # parallel to joins
    title_words: int = 0
    title_joins: int = 0
    extra: list[str] = field(default_factory=list)
    text: str = ""  # title and abstract, folded, single-spaced: where keyword links search
    _surfaces: dict[str, dict[str, int]] | None = field(default=None, repr=False, compare=False)

    @property
    def phrases(self) -> list[str]:
        words = self.words
        return [f"{words[i]} {words[i + 1]}" for i in self.joins]

    @property
    def title_terms(self) -> set[str]:
        return set(self.words[: self.title_words]) | set(self.phrases[: self.title_joins])

    def surface(self, term: str) -> str:
        """The form this paper wrote most often (ties: the first written)."""
        if self._surfaces is None:
            self._surfaces = {}
            for word, form in zip(self.words, self.forms, strict=True):
                _count(self._surfaces, word, form)
            for i, hyphen in zip(self.joins, self.hyphenated, strict=True):
                phrase = f"{self.words[i]} {self.words[i + 1]}"
                _count(
                    self._surfaces,
                    phrase,
                    self.forms[i] + ("-" if hyphen else " ") + self.forms[i + 1],
                )
        forms = self._surfaces.get(term)
        return max(forms, key=forms.__getitem__) if forms else term

    def written(self, keyword: str) -> bool:
        """Whether the keyword stands in the title or abstract as whole words of the search
        index, so a search for it finds this paper. The index keeps a run of letters, digits
        and underscores joined by single dots as one word: "k2" of "Kimi K2.6",
        "cpp" of "llama.cpp" or "dp" of "H_dp" find nothing, nor does a term the analysis
        pieced together from TeX or "C++"."""
        pattern = _SEARCH_WORD_START + re.escape(keyword) + _SEARCH_WORD_END
        return re.search(pattern, self.text) is not None


def _count(surfaces: dict[str, dict[str, int]], term: str, form: str) -> None:
    forms = surfaces.setdefault(term, {})
    forms[form] = forms.get(form, 0) + 1


def _add_text(analysis: Analysis, text: str) -> None:
    words, forms = analysis.words, analysis.forms
    joins, hyphenated = analysis.joins, analysis.hyphenated
    joined = False
    for piece in _PIECE.findall(clean(text)):
        for word in _piece_words(piece):
            if word is None:
                joined = False
                continue
            if joined:
                joins.append(len(words) - 1)
                hyphenated.append(word[2])
            words.append(word[0])
            forms.append(word[1])
            joined = True


@lru_cache(maxsize=1 << 18)
def author_term(name: str) -> str:
    """One term per author: "@" + surname + first initial, robust to initials and accents."""
    parts = re.findall(r"[a-z]+", fold(name))
    if not parts:
        return ""
    return f"@{parts[-1]}_{parts[0][0]}"


def analyze(title: str, abstract: str, authors: Sequence[str] = (), comments: str = "") -> Analysis:
    """Everything the keyword and similarity models read from one paper."""
    analysis = Analysis(text=" ".join(_fold(f"{title} {abstract}").split()))
    _add_text(analysis, title)
    analysis.title_words, analysis.title_joins = len(analysis.words), len(analysis.joins)
    _add_text(analysis, abstract)
    analysis.extra.extend(t for t in (author_term(a) for a in authors) if t)
    analysis.extra.extend("#" + w[0] for w in _words(comments or "") if w is not None)
    return analysis
