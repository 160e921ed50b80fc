"""Relevance benchmark: queries as people type them, judged, on both backends and two baselines.

    python -m bench.relevance --data-dir DIR [--corpus PATH] [--backend whoosh|tantivy|all]
        [--baselines] [--kinds title,typo,...] [--queries FILE] [--json FILE]
    python -m bench.relevance --make-queries [--corpus PATH] [--seed 15]

The queries (bench/relevance_queries.tsv) are never cleaned: stopwords, punctuation, case, TeX
and accents stay as a reader pastes or types them. Kinds:

    title       a paper's whole title as arXiv has it (pasted)           known item
    typo        the title with one content word misspelt                 known item
    remembered  3-5 distinctive words of the paper, not all from the title  known item
    topic       a question or topical phrase written by hand             content-word rule
    accent      an accented author name typed with and without accents,
                or an accented term (Schrödinger), typed both ways       known item / rule
    author      author:Surname and two topic words                       known item

Known items score hit@1, hit@3, MRR over the top 10 and the zero-result rate. A rule-judged
query counts a paper relevant when its title + abstract holds every content word of the query
(see `Rule`); the query is "answerable" when some paper of the database satisfies the rule,
and only answerable queries are scored: zero-result rate, precision@10 (relevant papers in the
top 10, over 10) and the share with a relevant paper in the top 10.

Our backends are asked through /api/search with Django's test client, the result cache cleared
before every request, so the figures are the API's: a 400 counts as zero results and is listed.
Latency is server time per request over the whole set, from the last of `--passes` passes (the
first scores the answers; the next ones find the searcher warm, as a busy site's is).
`--baselines` asks raw tantivy and SQLite FTS5 (bench.baselines: every whitespace word quoted
and required) the same raw queries; a query they cannot parse counts as zero results, and they
know no field syntax (`author:` is a word to them). DIR is a COOLPAPERS_DATA_DIR; an empty one
is filled from the corpus (ingest, then each backend's index), as bench.search does.

`--make-queries` writes the known-item lines of the query file again from the corpus with a
fixed seed; the rule-judged lines (written by hand) are kept as they are.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import random
import re
import sqlite3
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import DEFAULT_CORPUS
from bench.results import record

QUERIES_FILE = Path(__file__).resolve().parent / "relevance_queries.tsv"
KINDS = ("title", "typo", "remembered", "topic", "accent", "author")
BACKENDS = ("whoosh", "tantivy")
TOP = 10
SHOWN = 8  # queries with no result listed per engine unless --verbose
RULE = "rule"  # the judgement column of a query judged by the content-word rule
ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$")

# English function words, question words included; the rule ignores them. Our own list, so
# the judge does not share the engine's.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself me
    more most my no nor not of off on once only or other our ours out over own same she should
    so some such than that the their theirs them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with
    would you your yours via using use used toward towards based new versus vs""".split()  # noqa: SIM905
)
# TeX accent commands (\"o, \'{e}, \c c) and letters NFKD does not decompose.
TEX_ACCENT = re.compile(r"\\[\"'`^~=.uvHckrb]\s*\{?\s*([A-Za-z])\}?")
LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "\u0131": "i",
        "þ": "th",
        "ð": "d",
    }
)
BRITISH = [
    (re.compile(r"is(ation|ations|e|es|ed|ing|er|ers)$"), r"iz\1"),
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|ite|ites)?$"), r"or\1"),  # colour, behaviour
    (re.compile(r"(?<=\w{3})tre(s)?$"), r"ter\1"),  # centre
]


def fold(text: str) -> str:
    """Lower case, accents and ligatures off, TeX accents included: Schr\\"odinger, Schrödinger,
    Schrodinger all become schrodinger."""
    text = TEX_ACCENT.sub(r"\1", text).translate(LETTERS)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


@functools.cache
def canon(word: str) -> str:
    """A folded word's comparable form: American spelling, then the Porter stem."""
    from whoosh.lang.porter import stem

    if len(word) > 4:
        for pattern, american in BRITISH:
            word = pattern.sub(american, word)
    return stem(word)


# --- the content-word rule ----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A query's content words, each a concept satisfied by any one of its alternatives (a set
    of stems that must all be in the paper): `self-supervised` is {self, supervis} or
    {selfsupervis}; `LLMs` with LLM=large language model is {llm} or {larg, languag, model}."""

    concepts: tuple[tuple[frozenset[str], ...], ...]

    @classmethod
    def of(cls, query: str, expansions: dict[str, str] | None = None) -> Rule:
        expansions = {k.lower(): v for k, v in (expansions or {}).items()}
        concepts = []
        for raw in query.split():
            parts = words_of(raw)
            content = [p for p in parts if p not in STOPWORDS]
            if not content:
                continue
            alternatives = {frozenset(canon(p) for p in content)}
            if len(parts) > 1:
                alternatives.add(frozenset({canon("".join(parts))}))
            for key in (raw.lower().strip(".,;:?!()"), "".join(parts)):
                for form in (key, key[:-1] if key.endswith("s") else key):
                    if form in expansions:
                        expanded = [w for w in words_of(expansions[form]) if w not in STOPWORDS]
                        alternatives.add(frozenset(canon(w) for w in expanded))
            concepts.append(tuple(sorted(alternatives, key=sorted)))
        return cls(tuple(concepts))

    def stems(self) -> set[str]:
        return {s for concept in self.concepts for alt in concept for s in alt}

    def matches(self, terms: set[str] | frozenset[str]) -> bool:
        if not self.concepts:
            return False
        return all(any(alt <= terms for alt in concept) for concept in self.concepts)


def paper_terms(text: str, wanted: set[str], prefixes: set[str]) -> set[str]:
    """The stems of `wanted` that a paper's text holds, also as two adjacent words written
    apart (`multi-modal` holds multimodal, `self supervised` holds selfsupervis)."""
    tokens = words_of(text)
    found = set()
    for i, token in enumerate(tokens):
        stem = canon(token)
        if stem in wanted:
            found.add(stem)
        if token in prefixes and i + 1 < len(tokens):
            joined = canon(token + tokens[i + 1])
            if joined in wanted:
                found.add(joined)
    return found


def join_prefixes(stems: Iterable[str]) -> set[str]:
    """Every proper prefix of the stems: a token that is none of them never starts a join."""
    return {s[:i] for s in stems for i in range(1, len(s))}


def relevant_sets(rules: dict[str, Rule], papers: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """For every rule-judged query, the ids of the papers (id, title + abstract) it matches,
    found through postings of the stems the rules need, so the corpus is read once."""
    wanted = set().union(*(r.stems() for r in rules.values())) if rules else set()
    prefixes = join_prefixes(wanted)
    postings: dict[str, set[str]] = {s: set() for s in wanted}
    for pid, text in papers:
        for stem in paper_terms(text, wanted, prefixes):
            postings[stem].add(pid)
    result = {}
    for query, rule in rules.items():
        matched: set[str] | None = None
        for concept in rule.concepts:
            either: set[str] = set()
            for alt in concept:
                either |= set.intersection(*(postings[s] for s in alt)) if alt else set()
            matched = either if matched is None else matched & either
        result[query] = matched or set()
    return result


# --- the query file -----------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    expect: str = ""  # the arXiv id of a known item; "" when judged by the rule
    expansions: tuple[tuple[str, str], ...] = ()

    @property
    def known_item(self) -> bool:
        return bool(self.expect)

    @property
    def group(self) -> str:
        """The row of the table: the kind, split for `accent` which has both judgements."""
        if self.kind == "accent":
            return "accent (known item)" if self.known_item else "accent (rule)"
        return self.kind

    def line(self) -> str:
        judgement = self.expect or "; ".join([RULE, *(f"{k}={v}" for k, v in self.expansions)])
        return f"{self.kind}\t{self.text}\t{judgement}"


def parse_line(line: str, where: str) -> Query:
    """One TSV line: kind, query, judgement (an arXiv id, or `rule` with ACRONYM=expansion)."""
    cells = line.split("\t")
    if len(cells) != 3:
        sys.exit(f"bench.relevance: {where}: want 3 tab-separated cells, found {len(cells)}")
    kind, text, judgement = cells
    if kind not in KINDS:
        sys.exit(f"bench.relevance: {where}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    if not text.strip():
        sys.exit(f"bench.relevance: {where}: an empty query")
    if ARXIV_ID.match(judgement):
        return Query(kind, text, judgement)
    head, *pairs = [p.strip() for p in judgement.split(";")]
    if head != RULE or not all("=" in p for p in pairs):
        sys.exit(f"bench.relevance: {where}: judgement {judgement!r} is neither an arXiv id nor "
                 f"'{RULE}[; ACRONYM=expansion ...]'")  # fmt: skip
    expansions = tuple(tuple(p.split("=", 1)) for p in pairs)
    return Query(kind, text, "", expansions)  # type: ignore[arg-type]


def read_queries(path: Path) -> tuple[list[str], list[Query]]:
    """The file's comment lines (kept by --make-queries) and its queries."""
    if not path.exists():
        sys.exit(f"bench.relevance: {path}: no such query file")
    comments, queries = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#") or not line.strip():
            if not queries:
                comments.append(line)
            continue
        queries.append(parse_line(line, f"{path}:{number}"))
    return comments, queries


# --- making the known-item queries from the corpus ----------------------------------------


@dataclass
class Corpus:
    papers: list  # bench.baselines.Paper
    df: Counter = field(default_factory=Counter)  # papers holding each folded word

    @classmethod
    def read(cls, path: Path) -> Corpus:
        from bench.baselines import iter_papers

        papers = list(iter_papers(path))
        df: Counter = Counter()
        for paper in papers:
            df.update(set(words_of(f"{paper.title} {paper.abstract}")))
        return cls(papers, df)

    def distinctive(self, text: str) -> list[str]:
        """Content words of `text` as first written, most telling first: by tf-idf, so a word
        the text repeats and few papers use comes before a rare word said once in passing."""
        first: dict[str, str] = {}
        tf: Counter = Counter()
        for word in re.findall(r"[^\W\d_][\w-]*[^\W_]", text):
            if fold(word) in STOPWORDS or len(word) < 4:
                continue
            key = stem_key(word)
            first.setdefault(key, word)
            tf[key] += 1
        papers = len(self.papers) or 1

        def weight(key: str) -> float:
            df = max(1, max(self.df[p] for p in words_of(first[key])))
            return tf[key] * math.log(papers / df)

        return [first[k] for k in sorted(first, key=lambda k: (-weight(k), k))]


def stem_key(word: str) -> str:
    """Inflections of one word share a key: tutor, tutors, Tutor's."""
    return " ".join(canon(w) for w in words_of(word))


def pasted(title: str) -> str:
    """A title as copied from the abstract page: one line, otherwise untouched."""
    return " ".join(title.split())


def typed(word: str) -> str:
    """How a reader types a remembered word: lower case unless it is an acronym."""
    return word if sum(c.isupper() for c in word) > 1 else word.lower()


def misspell(word: str, rng: random.Random) -> str:
    """One slip of the fingers inside the word: a letter dropped, doubled or swapped."""
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "double", "swap"))
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def surname(name: str) -> str:
    parts = [p for p in re.split(r"\s+", name.strip()) if p]
    while parts and parts[-1].rstrip(".").lower() in {"jr", "sr", "ii", "iii", "iv"}:
        parts.pop()
    return parts[-1].strip(",") if parts else ""


def has_accent(text: str) -> bool:
    return fold(text) != text.lower() and all(c.isalpha() or c == "-" for c in text)


def make_queries(corpus: Corpus, seed: int, counts: dict[str, int]) -> list[Query]:
    """Known-item queries from papers drawn across the whole corpus with one seed."""
    rng = random.Random(seed)
    order = rng.sample(range(len(corpus.papers)), len(corpus.papers))
    used: set[str] = set()
    out: list[Query] = []

    def pick(want: int, accept: Callable[[object], Query | list[Query] | None]) -> None:
        made = 0
        for index in order:
            paper = corpus.papers[index]
            if made >= want:
                return
            if paper.id in used:
                continue
            made_here = accept(paper)
            if made_here:
                used.add(paper.id)
                out.extend(made_here if isinstance(made_here, list) else [made_here])
                made += 1

    def common_enough(word: str) -> bool:
        """In more than one paper (a word, not a slip) and in under 1% of them (distinctive)."""
        ceiling = max(10, len(corpus.papers) // 100)
        return all(2 <= corpus.df[p] <= ceiling for p in words_of(word))

    # Titles: a random sample, plus some with TeX so pasted formulas are measured too.
    tex = max(1, counts["title"] // 10)
    pick(counts["title"] - tex, lambda p: Query("title", pasted(p.title), p.id))
    pick(tex, lambda p: "$" in p.title and Query("title", pasted(p.title), p.id))

    def typo(paper) -> Query | None:
        title = pasted(paper.title)
        if "$" in title or "\\" in title:
            return None
        candidates = [
            w for w in re.findall(r"\b[A-Za-z]{5,}\b", title) if w.lower() not in STOPWORDS
        ]
        if not candidates:
            return None
        word = rng.choice(candidates)
        wrong = misspell(word, rng)
        if wrong.lower() == word.lower() or corpus.df[fold(wrong)]:
            return None  # no slip, or a real word: another problem than a typo
        return Query("typo", re.sub(rf"\b{word}\b", wrong, title, count=1), paper.id)

    pick(counts["typo"], typo)

    def remembered(paper) -> Query | None:
        """Words a reader recalls: salient (among the paper's rarer words), not the rarest,
        and some only in the abstract."""
        in_title = [w for w in corpus.distinctive(paper.title) if common_enough(w)][:4]
        titled = {stem_key(w) for w in words_of(paper.title)}
        in_abstract = [
            w
            for w in corpus.distinctive(paper.abstract)
            if stem_key(w) not in titled and common_enough(w)
        ][:8]
        want = rng.randint(3, 5)
        from_title = min(len(in_title), rng.randint(1, 2))
        if len(in_abstract) < want - from_title or want - from_title < 1:
            return None
        chosen = rng.sample(in_title, from_title) + rng.sample(in_abstract, want - from_title)
        rng.shuffle(chosen)
        return Query("remembered", " ".join(typed(w) for w in chosen), paper.id)

    pick(counts["remembered"], remembered)

    def topic_words(paper) -> list[str] | None:
        words = [w for w in corpus.distinctive(paper.title) if common_enough(w)][:4]
        return [typed(w) for w in rng.sample(words, 2)] if len(words) >= 2 else None

    names: set[str] = set()

    def accent(paper) -> list[Query] | None:
        accented = [s for s in map(surname, paper.authors) if has_accent(s) and s not in names]
        words = topic_words(paper)
        if not accented or not words:
            return None
        name = rng.choice(accented)
        names.add(name)
        plain = unicodedata.normalize("NFKD", name.translate(LETTERS))
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        return [
            Query("accent", " ".join([name, *words]), paper.id),
            Query("accent", " ".join([plain, *words]), paper.id),
        ]

    pick(counts["accent"] // 2, accent)

    def author(paper) -> Query | None:
        names = [s for s in map(surname, paper.authors) if len(s) > 2 and "." not in s]
        words = topic_words(paper)
        if not names or not words:
            return None
        return Query("author", f"author:{rng.choice(names)} {' '.join(words)}", paper.id)

    pick(counts["author"], author)
    return out


def write_queries(path: Path, comments: list[str], queries: Sequence[Query]) -> None:
    lines = [*comments, *(q.line() for q in queries)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- asking the engines -------------------------------------------------------------------


@dataclass
class Answer:
    ids: list[str]  # the top TOP ids, best first
    count: int
    ms: float
    error: str = ""  # a 400's message, or the baseline's parse error


@dataclass
class Scores:
    """One engine's answers to one group of queries, scored."""

    known_item: bool
    n: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    zero: int = 0
    precision: float = 0.0
    hit10: int = 0
    unanswerable: int = 0

    def add(self, query: Query, answer: Answer, relevant: set[str] | None) -> None:
        top = answer.ids[:TOP]
        if query.known_item:
            self.n += 1
            rank = top.index(query.expect) + 1 if query.expect in top else 0
            self.hit1 += rank == 1
            self.hit3 += 0 < rank <= 3
            self.rr += 1 / rank if rank else 0.0
        elif not relevant:
            self.unanswerable += 1
            return
        else:
            self.n += 1
            good = sum(pid in relevant for pid in top)
            self.precision += good / TOP
            self.hit10 += good > 0
        self.zero += answer.count == 0

    def figures(self) -> dict[str, float]:
        n = self.n or 1
        if self.known_item:
            return {"hit@1": self.hit1 / n, "hit@3": self.hit3 / n, "MRR@10": self.rr / n,
                    "zero-result": self.zero / n}  # fmt: skip
        return {"zero-result": self.zero / n, "P@10": self.precision / n,
                "relevant in top 10": self.hit10 / n}  # fmt: skip


def percentile(values: Sequence[float], share: float) -> float:
    """The same rule as bench.search's p95."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class ApiEngine:
    """One of our backends through /api/search, as a client of the API sees it."""

    def __init__(self, backend: str) -> None:
        from django.conf import settings
        from django.test import Client

        from search.backends import get_backend

        settings.SEARCH_BACKEND = backend
        get_backend.cache_clear()
        # A running site's state: the spelling index of the index in use is built (requests
        # build it in the background, and go without corrections for the seconds that takes).
        get_backend().suggest("warmup")
        self.name = backend
        self.client = Client()

    def ask(self, text: str) -> Answer:
        from django.core.cache import cache

        cache.clear()  # the result cache and the rate limits' counters
        started = time.perf_counter()
        response = self.client.get("/api/search", {"q": text})
        ms = (time.perf_counter() - started) * 1000
        if response.status_code == 400:
            return Answer([], 0, ms, json.dumps(response.json(), ensure_ascii=False))
        if response.status_code != 200:
            sys.exit(f"bench.relevance: {self.name}: /api/search?q={text!r}: HTTP "
                     f"{response.status_code} {response.content[:300]!r}")  # fmt: skip
        body = response.json()
        return Answer([r["id"] for r in body["results"][:TOP]], body["count"], ms)


class BaselineEngine:
    """Raw tantivy or SQLite FTS5 from bench.baselines, built from the database's papers."""

    def __init__(self, name: str, directory: Path) -> None:
        from bench.baselines import BASELINES
        from bench.baselines import Paper as RawPaper
        from coolpapers.papers.models import Paper

        self.name = f"raw {name}" if name == "tantivy" else name
        marker = directory / "built"
        self.baseline = BASELINES[name](directory)
        if not marker.exists():
            print(f"{self.name}: building from the database ...", flush=True)
            if directory.exists():
                import shutil

                shutil.rmtree(directory)
            rows = Paper.objects.values_list("arxiv_id", "title", "abstract", "authors")
            papers = (RawPaper(i, t, a, list(au or [])) for i, t, a, au in rows.iterator(2000))
            count = self.baseline.build(papers)
            marker.write_text(f"{count}\n")
        self.baseline.open()

    def ask(self, text: str) -> Answer:
        started = time.perf_counter()
        try:
            hits = self.baseline.search(text, limit=TOP)
        except (ValueError, sqlite3.Error) as exc:  # tantivy raises ValueError on bad syntax
            return Answer([], 0, (time.perf_counter() - started) * 1000, str(exc))
        return Answer(hits.ids, hits.count, (time.perf_counter() - started) * 1000)


# --- the run ------------------------------------------------------------------------------


def setup_django(data_dir: str) -> None:
    os.environ["COOLPAPERS_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    os.environ["SEARCH_AUTO_INDEX"] = "off"
    os.environ.pop("REDIS_URL", None)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()


def fill(corpus: Path, backends: Sequence[str]) -> int:
    """Ingest the corpus into an empty database and build any empty index; returns papers."""
    from django.conf import settings
    from django.core.management import call_command

    from coolpapers.papers.models import Paper
    from search.backends import get_backend
    from search.documents import iter_all_documents

    call_command("migrate", verbosity=0)
    if not Paper.objects.exists():
        if not corpus.exists():
            sys.exit(f"bench.relevance: {corpus}: no such corpus")
        print(f"loading {corpus} ...", flush=True)
        call_command("ingest_arxiv", str(corpus), verbosity=0)
    for name in backends:
        settings.SEARCH_BACKEND = name
        get_backend.cache_clear()
        backend = get_backend()
        if not backend.document_count():
            print(f"{name}: building the index ...", flush=True)
            backend.rebuild(iter_all_documents())
    return Paper.objects.count()


def judge(queries: Sequence[Query]) -> tuple[dict[str, set[str]], set[str]]:
    """Relevant papers of every rule-judged query, and the ids of the database's papers."""
    from coolpapers.papers.models import Paper

    rules = {q.text: Rule.of(q.text, dict(q.expansions)) for q in queries if not q.known_item}
    ids: set[str] = set()

    def texts() -> Iterable[tuple[str, str]]:
        for pid, title, abstract in Paper.objects.values_list(
            "arxiv_id", "title", "abstract"
        ).iterator(chunk_size=2000):
            ids.add(pid)
            yield pid, f"{title} {abstract}"

    relevant = relevant_sets(rules, texts())
    return relevant, ids


def evaluate(engine, queries: Sequence[Query], relevant: dict[str, set[str]]) -> dict:
    """Every query asked once; scores per group, latency and the queries with no result."""
    groups: dict[str, Scores] = {}
    times, refused, empty, answers = [], [], [], []
    for query in queries:
        answer = engine.ask(query.text)
        times.append(answer.ms)
        scores = groups.setdefault(query.group, Scores(query.known_item))
        scores.add(query, answer, relevant.get(query.text))
        if answer.error:
            refused.append({"kind": query.kind, "q": query.text, "error": answer.error})
        elif answer.count == 0 and (query.known_item or relevant.get(query.text)):
            empty.append({"kind": query.kind, "q": query.text})
        answers.append({"q": query.text, "ids": answer.ids, "count": answer.count})
    return {"groups": groups, "times": times, "refused": refused, "empty": empty,
            "answers": answers}  # fmt: skip


def table(results: dict[str, dict], groups: Sequence[str], sizes: dict[str, str]) -> list[str]:
    engines = list(results)
    rows = [f"| kind | measure | {' | '.join(engines)} |", "|---|---|" + "---|" * len(engines)]
    for group in groups:
        first = next(r["groups"][group] for r in results.values() if group in r["groups"])
        for measure in first.figures():
            cells = []
            for result in results.values():
                scores = result["groups"].get(group)
                cells.append(f"{scores.figures()[measure]:.3f}" if scores else "")
            rows.append(f"| {group} ({sizes[group]}) | {measure} | {' | '.join(cells)} |")
    for label, share in (("p50", 0.5), ("p95", 0.95)):
        cells = [f"{percentile(r['times'], share):.1f} ms" for r in results.values()]
        rows.append(
            f"| all ({len(results[engines[0]]['times'])}) | latency {label} | {' | '.join(cells)} |"
        )
    return rows


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def run(args: argparse.Namespace) -> dict:
    setup_django(args.data_dir)
    backends = list(BACKENDS) if args.backend == "all" else [args.backend]
    papers = fill(Path(args.corpus), backends)
    _comments, queries = read_queries(Path(args.queries))
    queries = [q for q in queries if q.kind in args.kinds]
    relevant, ids = judge(queries)
    missing = [q for q in queries if q.known_item and q.expect not in ids]
    queries = [q for q in queries if not q.known_item or q.expect in ids]
    if not queries:
        sys.exit("bench.relevance: none of the queries' papers is in the database")
    print(f"papers: {papers:,}; queries: {len(queries)} "
          f"({len(missing)} known items skipped: their paper is not in the database)")  # fmt: skip

    engines: list[Callable[[], object]] = [functools.partial(ApiEngine, b) for b in backends]
    if args.baselines:
        work = Path(args.data_dir) / "relevance-baselines"
        engines += [functools.partial(BaselineEngine, n, work / n) for n in ("tantivy", "fts5")]
    results: dict[str, dict] = {}
    for make in engines:
        engine = make()
        print(f"{engine.name}: {len(queries)} queries ...", flush=True)
        engine.ask("warm up")
        results[engine.name] = evaluate(engine, queries, relevant)
        for _ in range(args.passes - 1):  # the searcher warm, as a busy site's is
            results[engine.name]["times"] = [engine.ask(q.text).ms for q in queries]

    groups = [g for g in dict.fromkeys(q.group for q in queries)]
    sizes = {}
    for group in groups:
        members = [q for q in queries if q.group == group]
        rule = [q for q in members if not q.known_item]
        answerable = sum(bool(relevant.get(q.text)) for q in rule)
        sizes[group] = f"{answerable} of {len(rule)} answerable" if rule else f"{len(members)}"
    rows = table(results, groups, sizes)
    print("\n" + "\n".join(rows))
    for name, result in results.items():
        for problem, label in (("refused", "answered with a 400"), ("empty", "no result")):
            items = result[problem]
            if items:
                print(f"\n{name}: {len(items)} queries {label}:")
                shown = items if problem == "refused" or args.verbose else items[:SHOWN]
                for item in shown:
                    print(f"  [{item['kind']}] {item['q']!r} {item.get('error', '')}".rstrip())
                if len(shown) < len(items):
                    print(f"  ... {len(items) - len(shown)} more (--verbose, or --json)")
    for name, result in results.items():
        for group, scores in result["groups"].items():
            for measure, value in scores.figures().items():
                record(f"relevance.{slug(name)}.{slug(group)}.{slug(measure)}", round(value, 4),
                       "share", sizes[group])  # fmt: skip
        record(f"relevance.{slug(name)}.p50_ms", round(percentile(result["times"], 0.5), 2), "ms")
        record(f"relevance.{slug(name)}.p95_ms", round(percentile(result["times"], 0.95), 2), "ms")
    report = {
        "papers": papers,
        "queries": len(queries),
        "skipped": len(missing),
        "table": rows,
        "engines": {
            name: {
                "groups": {g: s.figures() for g, s in result["groups"].items()},
                "n": {g: s.n for g, s in result["groups"].items()},
                "p50_ms": percentile(result["times"], 0.5),
                "p95_ms": percentile(result["times"], 0.95),
                "refused": result["refused"],
                "empty": result["empty"],
                "answers": result["answers"],
            }
            for name, result in results.items()
        },
        "answerable": {q.text: len(relevant.get(q.text, ())) for q in queries if not q.known_item},
    }
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwritten to {args.json}")
    return report


def main(argv: Sequence[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="a COOLPAPERS_DATA_DIR (filled when empty)")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="JSON lines, .gz or not")
    parser.add_argument("--backend", choices=[*BACKENDS, "all"], default="all")
    parser.add_argument("--baselines", action="store_true", help="raw tantivy and SQLite FTS5 too")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated")
    parser.add_argument("--queries", default=str(QUERIES_FILE))
    parser.add_argument("--json", default="", help="write the figures and every answer here")
    parser.add_argument("--verbose", action="store_true", help="list every query with no result")
    parser.add_argument(
        "--passes", type=int, default=2, help="latency is the last pass's (the first scores)"
    )
    parser.add_argument("--make-queries", action="store_true",
                        help="write the known-item lines of --queries from --corpus")  # fmt: skip
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    args.kinds = [k for k in args.kinds.split(",") if k]
    if unknown := set(args.kinds) - set(KINDS):
        sys.exit(f"bench.relevance: unknown kind {', '.join(sorted(unknown))}")
    if args.passes < 1:
        sys.exit("bench.relevance: --passes must be at least 1")
    if args.make_queries:
        corpus = Path(args.corpus)
        if not corpus.is_file():
            sys.exit(f"bench.relevance: {corpus}: no such corpus")
        path = Path(args.queries)
        comments, old = read_queries(path) if path.exists() else ([], [])
        made = make_queries(Corpus.read(corpus), args.seed, MAKE_COUNTS)
        kept = [q for q in old if not q.known_item]
        write_queries(path, comments, made + kept)
        print(f"{path}: {len(made)} known-item queries made, {len(kept)} hand-written kept")
        return None
    if not args.data_dir:
        sys.exit("bench.relevance: --data-dir is required (or --make-queries)")
    return run(args)


MAKE_COUNTS = {"title": 100, "typo": 60, "remembered": 60, "accent": 40, "author": 30}

if __name__ == "__main__":
    main()
