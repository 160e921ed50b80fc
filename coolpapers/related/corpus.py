"""The corpus model: vocabulary, BM25 weights of every paper, and what is computed from them.

Vocabulary: every word stem of titles and abstracts, every two-word phrase at least
MIN_PHRASE_DF papers use (rarer pairs are noise and would double the matrix), one term per
author ("@name_i") and the words of the comments ("#word": venues, "accepted at CVPR").
Categories are never read for related papers: they are what the quality benchmark measures
against. Keywords read each paper's field (subject group of its primary category) once, at
the build, to learn the site's boilerplate (`_boilerplate`).

Related papers of a paper, in exact BM25 steps over the whole corpus:

1. candidates: the CANDIDATES best papers for a query of the paper's CANDIDATE_TERMS most
   specific terms (a sparse product touching only the postings of those terms);
2. order: the BM25 score of the paper's full weighted query - every term of the paper,
   weighted by (its BM25 weight in the paper) ** QUERY_POWER, phrases x PHRASE_WEIGHT,
   title terms x TITLE_BOOST - for each candidate;
3. feedback: the query (unit length) plus FEEDBACK_WEIGHT x the mean unit-length term
   weights of its FEEDBACK_DOCS best candidates scores the RERANKED best again; the top
   RELATED are kept with that BM25 score.

Share of the top 10 with the paper's primary category / any category, 5000 random papers
of the 133k corpus (a development sample, not the benchmark's): step 1 alone 0.535 / 0.767,
with step 2 0.582 / 0.814, with step 3 0.588 / 0.820. Step 1 keeps the cost at a quarter of
scoring the full query against every paper (which gives 0.586 / 0.817). See bench/related.py.

Papers added after the build get rows weighted with the build's idf and average length
(`weigh`), so new papers are found at once; `needs_rebuild` says when they are too many.
"""

from __future__ import annotations

import array
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from coolpapers.related.keywords import MIN_KEYWORD_DF, select_keywords
from coolpapers.related.similarity import BM25Index, BM25Params
from coolpapers.related.tokens import Analysis, analyze

MIN_PHRASE_DF = 5
MIN_COLLOCATION = 0.03
RELATED = 20
CANDIDATE_TERMS = 30
CANDIDATE_MAX_DF = 0.05
CANDIDATE_MIN_CAP = 1000
CANDIDATES = 200
# Query weights, tuned on 5000 random papers (not the benchmark's sample): flattening the
# paper's BM25 weights lets its many medium terms outvote a few rare ones; phrases already
# count through their words.
QUERY_POWER = 0.4
PHRASE_WEIGHT = 0.5
TITLE_BOOST = 1.5
FEEDBACK_DOCS = 5
RERANKED = 60
FEEDBACK_WEIGHT = 1.0
# Rebuild (new idf, new phrases, every list recomputed) once papers added or changed since the
# build exceed this share of the build's papers.
REBUILD_FRACTION = 0.05
# Boilerplate, learned at each build (see `_boilerplate`): COMMON_RATE of the papers (and
# COMMON_MIN_PAPERS) is "common"; a field votes when it has FIELD_MIN_PAPERS papers; a word
# titles name at most TITLE_SHARE times as often as the site's average word is abstract talk,
# once an average word of its papers would be in TITLE_EVIDENCE titles (a small site says little).
COMMON_RATE = 0.03
COMMON_MIN_PAPERS = 3
FIELD_MIN_PAPERS = 25
FIELD_SHARE = 0.75
TITLE_SHARE = 1 / 3
TITLE_EVIDENCE = 5


@dataclass(frozen=True)
class PaperText:
    """What the model reads from a paper (never its categories)."""

    arxiv_id: str
    title: str
    abstract: str
    authors: Sequence[str] = ()
    comments: str = ""
    content_hash: str = ""

    def analyze(self) -> Analysis:
        return analyze(self.title, self.abstract, self.authors, self.comments)


@dataclass
class PaperResult:
    arxiv_id: str
    content_hash: str
    keywords: list[str]
    related: list[tuple[str, float]] = field(default_factory=list)  # (arxiv id, score), best first


def new_version() -> str:
    """Build time to the nanosecond, so versions sort by age, and a random tail."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9))
    return f"{stamp}.{now % 10**9:09d}-{uuid.uuid4().hex[:6]}"


class CorpusModel:
    """Terms, BM25 rows of the papers (build rows, then rows added since) and their ids."""

    def __init__(
        self,
        version: str,
        terms: list[str],
        n_words: int,
        n_phrases: int,
        df: np.ndarray,
        index: BM25Index,
        paper_ids: list[str],
        hashes: list[str],
        boilerplate: np.ndarray | None = None,
    ) -> None:
        self.version = version
        self.terms = terms
        self.vocabulary = {term: column for column, term in enumerate(terms)}
        self.n_words = n_words
        self.n_phrases = n_phrases
        self.df = df
        self.index = index
        self.base_rows = len(paper_ids)
        self.paper_ids = list(paper_ids)
        self.hashes = list(hashes)
        self.surnames = self._surnames()
        # Terms never shown as keywords (bool per column); none when the build saw no categories.
        self.boilerplate = (
            np.zeros(len(terms), dtype=bool) if boilerplate is None else boilerplate.astype(bool)
        )
        self._index_rows()

    def _surnames(self) -> np.ndarray:
        """Word columns that are surnames: more papers have an author of that name ("@lam_w")
        than write the word in a title or abstract. Learned from the corpus, never a list."""
        author_df: dict[str, int] = {}
        df = self.df
        for column in range(self.n_words + self.n_phrases, len(self.terms)):
            term = self.terms[column]
            if term.startswith("@"):
                name = term[1:].rpartition("_")[0]
                author_df[name] = author_df.get(name, 0) + int(df[column])
        surnames = np.zeros(len(self.terms), dtype=bool)
        for name, count in author_df.items():
            column = self.vocabulary.get(name)
            if column is not None and column < self.n_words and count >= df[column]:
                surnames[column] = True
        return surnames

    # --- building --------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        papers: Iterable[PaperText],
        params: BM25Params | None = None,
        progress: Callable[[int], None] | None = None,
        version: str | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> CorpusModel:
        """Read every paper once; memory is a few int arrays per paper, not its text.

        `fields` maps a paper id to its field (arXiv subject group: "Computer Science",
        "Mathematics", "Physics"), read only to learn which terms are boilerplate (never for
        related papers)."""
        word_ids: dict[str, int] = {}
        extra_ids: dict[str, int] = {}
        words, word_counts = array.array("q"), array.array("q")
        joins, join_counts = array.array("q"), array.array("q")
        extras, extra_counts = array.array("q"), array.array("q")
        ids: list[str] = []
        hashes: list[str] = []
        field_ids: dict[str, int] = {}
        field_of = array.array("q")
        title_words = array.array("q")  # each paper's distinct title words
        for paper in papers:
            analysis = paper.analyze()
            offset = len(words)
            words.extend([word_ids.setdefault(w, len(word_ids)) for w in analysis.words])
            title_words.extend(set(words[offset : offset + analysis.title_words]))
            joins.extend([offset + j for j in analysis.joins])
            extras.extend([extra_ids.setdefault(e, len(extra_ids)) for e in analysis.extra])
            word_counts.append(len(analysis.words))
            join_counts.append(len(analysis.joins))
            extra_counts.append(len(analysis.extra))
            ids.append(paper.arxiv_id)
            hashes.append(paper.content_hash)
            label = fields.get(paper.arxiv_id) if fields else None
            field_of.append(field_ids.setdefault(label, len(field_ids)) if label else -1)
            if progress is not None:
                progress(len(ids))
        n_docs, n_words = len(ids), len(word_ids)
        word_col, join_pos, extra_col = (_int64(a) for a in (words, joins, extras))
        word_counts_m = _count_matrix(
            np.repeat(np.arange(n_docs), _int64(word_counts)), word_col, n_docs, n_words
        )
        codes = word_col[join_pos] * n_words + word_col[join_pos + 1]
        join_doc = np.repeat(np.arange(n_docs), _int64(join_counts))
        word_df = np.bincount(word_counts_m.indices, minlength=n_words)
        kept = _collocations(codes, join_doc, word_df, n_words)
        position = np.searchsorted(kept, codes)
        found = position < len(kept)
        found[found] = kept[position[found]] == codes[found]
        counts = sp.hstack(
            [
                word_counts_m,
                _count_matrix(join_doc[found], position[found], n_docs, len(kept)),
                _count_matrix(
                    np.repeat(np.arange(n_docs), _int64(extra_counts)),
                    extra_col,
                    n_docs,
                    len(extra_ids),
                ),
            ],
            format="csr",
        )
        del word_counts_m, word_col, join_pos, codes, join_doc, position, found, extra_col
        word_list = list(word_ids)
        phrases = [f"{word_list[c // n_words]} {word_list[c % n_words]}" for c in kept.tolist()]
        terms = word_list + phrases + list(extra_ids)
        n_phrases = len(phrases)
        df = np.bincount(counts.indices, minlength=len(terms)).astype(np.int32)
        title_df = np.bincount(_int64(title_words), minlength=n_words)  # word columns
        del title_words
        phrase_words = np.stack([kept // n_words, kept % n_words], axis=1)
        boilerplate = _boilerplate(counts, title_df, phrase_words, _int64(field_of))
        # A word common in the comments of every field ("pages", "accepted", "revised")
        # is the papers' bookkeeping wherever it is written.
        for term, column in extra_ids.items():
            word = word_ids.get(term[1:]) if term.startswith("#") else None
            if word is not None and boilerplate[n_words + n_phrases + column]:
                boilerplate[word] = True
        index = BM25Index.from_counts(counts, params)
        return cls(
            version or new_version(), terms, n_words, n_phrases, df, index, ids, hashes, boilerplate
        )

    # --- rows of papers ----------------------------------------------------------------------

    def _index_rows(self) -> None:
        self.row_of = {pid: row for row, pid in enumerate(self.paper_ids)}
        self.alive = np.zeros(len(self.paper_ids), dtype=bool)
        self.alive[list(self.row_of.values())] = True

    @property
    def added_rows(self) -> int:
        return len(self.paper_ids) - self.base_rows

    @property
    def needs_rebuild(self) -> bool:
        return self.added_rows > REBUILD_FRACTION * max(self.base_rows, 1)

    def outdated(self, papers: Sequence[PaperText]) -> list[int]:
        """Positions of papers with no row, or a row of an older version of their text."""
        out = []
        for i, paper in enumerate(papers):
            row = self.row_of.get(paper.arxiv_id)
            if row is None or self.hashes[row] != paper.content_hash:
                out.append(i)
        return out

    def _columns(self, analysis: Analysis) -> tuple[list[int], int]:
        """Term columns of a paper's tokens (unknown ones dropped) and its BM25 length."""
        vocabulary = self.vocabulary
        columns = [vocabulary.get(w) for w in analysis.words]
        columns += [c for c in (vocabulary.get(p) for p in analysis.phrases) if c is not None]
        columns += [vocabulary.get(e) for e in analysis.extra]
        length = len(columns)  # unknown words and authors count, as in the build
        return [c for c in columns if c is not None], length

    def weigh(self, analyses: Sequence[Analysis]) -> sp.csr_matrix:
        """BM25 rows of papers under the build's idf and average length."""
        indices: list[int] = []
        indptr = [0]
        lengths = []
        for analysis in analyses:
            columns, length = self._columns(analysis)
            indices.extend(columns)
            indptr.append(len(indices))
            lengths.append(length)
        counts = sp.csr_matrix(
            (np.ones(len(indices)), np.array(indices, dtype=np.int64), np.array(indptr)),
            shape=(len(analyses), len(self.terms)),
        )
        return self.index.weigh(counts, np.array(lengths, dtype=np.float64))

    def append(
        self, paper_ids: Sequence[str], hashes: Sequence[str], weights: sp.csr_matrix
    ) -> None:
        """Add rows (papers new or changed since the build); a paper's last row is its row."""
        if not len(paper_ids):
            return
        self.index.weights = sp.vstack([self.index.weights, weights], format="csr")
        self.index._postings = None
        self.paper_ids.extend(paper_ids)
        self.hashes.extend(hashes)
        self._index_rows()

    def truncate(self) -> None:
        """Drop every row added since the build."""
        self.index.weights = self.index.weights[: self.base_rows]
        self.index._postings = None
        del self.paper_ids[self.base_rows :], self.hashes[self.base_rows :]
        self._index_rows()

    # --- keywords and related papers --------------------------------------------------------

    def keywords(self, analysis: Analysis, row: int) -> list[str]:
        weights = self.index.weights
        lo, hi = weights.indptr[row], weights.indptr[row + 1]
        columns, values = weights.indices[lo:hi], weights.data[lo:hi]
        ok = (columns < self.n_words + self.n_phrases) & (self.df[columns] >= MIN_KEYWORD_DF)
        ok &= ~(self.surnames[columns] | self.boilerplate[columns])
        terms = [self.terms[c] for c in columns[ok]]
        return select_keywords(terms, values[ok], analysis.surface, analysis.written)

    def _term_weights(self, rows: np.ndarray) -> sp.csr_matrix:
        """Papers' BM25 weights ** QUERY_POWER, phrases x PHRASE_WEIGHT."""
        query = self.index.weights[rows].tocsr()
        query.data = query.data**QUERY_POWER
        phrase = (query.indices >= self.n_words) & (query.indices < self.n_words + self.n_phrases)
        query.data[phrase] *= PHRASE_WEIGHT
        return query

    def queries(self, analyses: Sequence[Analysis], rows: np.ndarray) -> sp.csr_matrix:
        """Each paper's full query: its term weights, title terms x TITLE_BOOST."""
        query = self._term_weights(rows)
        for i, analysis in enumerate(analyses):
            title = [self.vocabulary.get(t) for t in analysis.title_terms]
            lo, hi = query.indptr[i], query.indptr[i + 1]
            boosted = np.isin(query.indices[lo:hi], [c for c in title if c is not None])
            query.data[lo:hi][boosted] *= TITLE_BOOST
        return query

    def _expanded(self, query: sp.csr_matrix, neighbours: np.ndarray) -> sp.csr_matrix:
        """Pseudo-relevance feedback: each (unit-length) query plus FEEDBACK_WEIGHT times the
        mean unit-length term weights of its FEEDBACK_DOCS best candidates."""
        n_queries, depth = neighbours.shape
        valid = neighbours.ravel() >= 0
        mean = sp.csr_matrix(
            (
                np.full(int(valid.sum()), FEEDBACK_WEIGHT / depth),
                (np.repeat(np.arange(n_queries), depth)[valid], np.flatnonzero(valid)),
            ),
            shape=(n_queries, neighbours.size),
        )
        feedback = _unit_rows(self._term_weights(np.where(valid, neighbours.ravel(), 0)))
        return (_unit_rows(query) + mean @ feedback).tocsr()

    def _pair_scores(self, query: sp.csr_matrix, candidates: np.ndarray) -> np.ndarray:
        """BM25 score of query row i for each of candidates[i] (-inf where there is none)."""
        flat = candidates.ravel()
        valid = flat >= 0
        owner = np.repeat(np.arange(candidates.shape[0]), candidates.shape[1])
        scores = np.full(len(flat), -np.inf)
        scores[valid] = self.index.pair_scores(query, owner[valid], flat[valid])
        return scores.reshape(candidates.shape)

    def _candidate_queries(self, rows: np.ndarray) -> sp.csr_matrix:
        """The CANDIDATE_TERMS most specific terms (highest BM25 weight) of each paper that
        another paper uses too, and at most CANDIDATE_MAX_DF of the papers (or
        CANDIDATE_MIN_CAP): common words would match most of a large corpus and make the
        product slow without changing which papers come first."""
        weights = self.index.weights[rows].tocsr()
        df = self.df[weights.indices]
        useless = (df < 2) | (df > max(CANDIDATE_MAX_DF * self.base_rows, CANDIDATE_MIN_CAP))
        weights.data[useless] = 0.0
        weights.eliminate_zeros()
        return _strongest(weights, CANDIDATE_TERMS)

    def compute(
        self,
        papers: Sequence[PaperText],
        analyses: Sequence[Analysis] | None = None,
        extra: np.ndarray | None = None,
        keep: int | None = RELATED,
    ) -> list[PaperResult]:
        """Keywords and the `keep` best related papers (None: every candidate, scored) of
        papers that all have current rows. `extra[i]` are more candidate rows for paper i
        (-1 padded), scored like the BM25 candidates: the hybrid's embedding neighbours."""
        if analyses is None:
            analyses = [p.analyze() for p in papers]
        if self.outdated(papers):
            raise ValueError("compute() needs current rows: weigh() and append() them first")
        if not papers:
            return []
        rows = np.array([self.row_of[p.arxiv_id] for p in papers])
        query = self.queries(analyses, rows)
        candidates, _ = self.index.top_k(
            self._candidate_queries(rows), CANDIDATES, exclude=rows, alive=self.alive
        )
        # Specific terms that few papers share find few candidates: look again with all terms.
        few = np.flatnonzero(candidates[:, -1] < 0)
        if len(few):
            candidates[few], _ = self.index.top_k(
                query[few], CANDIDATES, exclude=rows[few], alive=self.alive
            )
        scores = self._pair_scores(query, candidates)
        best = np.argsort(-scores, axis=1, kind="stable")[:, :RERANKED]
        candidates = np.where(
            np.isfinite(np.take_along_axis(scores, best, 1)),
            np.take_along_axis(candidates, best, 1),
            -1,
        )
        expanded = self._expanded(query, candidates[:, :FEEDBACK_DOCS])
        if extra is not None:
            candidates = _with_extra(candidates, extra)
        scores = self._pair_scores(expanded, candidates)
        results = []
        for i, (paper, analysis) in enumerate(zip(papers, analyses, strict=True)):
            order = np.lexsort((candidates[i], -scores[i]))[:keep]
            related = [
                (self.paper_ids[candidates[i, j]], float(scores[i, j]))
                for j in order
                if candidates[i, j] >= 0
            ]
            results.append(
                PaperResult(
                    paper.arxiv_id, paper.content_hash, self.keywords(analysis, rows[i]), related
                )
            )
        return results


def _with_extra(candidates: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Candidates followed by the extra rows they lack (-1 where a row repeats)."""
    extra = np.where(extra >= 0, extra, -1).astype(candidates.dtype)
    for i in range(len(extra)):
        extra[i, np.isin(extra[i], candidates[i])] = -1
    return np.hstack([candidates, extra])


def _int64(values: array.array) -> np.ndarray:
    return np.frombuffer(values, dtype=np.int64) if len(values) else np.zeros(0, np.int64)


def _count_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    counts = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(n_rows, n_cols), dtype=np.float64
    )
    counts.sum_duplicates()
    return counts


def _collocations(
    codes: np.ndarray, docs: np.ndarray, word_df: np.ndarray, n_words: int
) -> np.ndarray:
    """Codes (first * n_words + second) of the word pairs that are phrases, sorted.

    A phrase is used by MIN_PHRASE_DF papers and by at least MIN_COLLOCATION of the papers
    that use its rarer word: "dark matter" (0.62), "bundle adjustment" (0.19) and "vital
    signs" (0.05) pass, chance neighbours like "careful curation" (0.01) do not.
    """
    order = np.lexsort((codes, docs))
    codes, docs = codes[order], docs[order]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = (codes[1:] != codes[:-1]) | (docs[1:] != docs[:-1])
    pairs, df = np.unique(codes[first], return_counts=True)
    rarer = np.minimum(word_df[pairs // n_words], word_df[pairs % n_words])
    return pairs[(df >= MIN_PHRASE_DF) & (df >= MIN_COLLOCATION * rarer)]


def _boilerplate(
    counts: sp.csr_matrix, title_df: np.ndarray, phrase_words: np.ndarray, field_of: np.ndarray
) -> np.ndarray:
    """Terms (columns of `counts`) never shown as keywords, learned from the corpus, no list.

    Two signals, each about what a reader would not click:

    * Abstract talk. Titles name topics; "propose", "significantly", "existing", "highly" are
      written in many abstracts (COMMON_RATE of the papers) and almost never in a title (at most
      TITLE_SHARE of the share of its papers' titles an average word reaches: 0.03 against
      0.09 on the demo), once an average word used that often would be in TITLE_EVIDENCE
      titles (absence from a few titles proves nothing). Such a word is never a keyword and
      bounds phrases: a phrase that begins or ends with one ("significantly reducing",
      "perform better", "existing memory") is dropped, the usual keyphrase rule. Topic words
      are in titles: "llm" in 42 % of the papers using it, "agent" 47 %, "memory" 37 %,
      "graph" 33 %, "reward" 15 %.
    * Common in every field. Fields are subject groups (Computer Science, Mathematics,
      Physics: a physics archive like hep-th is a subfield, and sibling categories such as
      cs.AI and cs.CL share their topics, so counting them would make "llm" boilerplate). A term
      common (COMMON_RATE of its papers, COMMON_MIN_PAPERS) in FIELD_SHARE of the fields with
      FIELD_MIN_PAPERS papers, at least two, is boilerplate: "result", "paper", "model",
      "space" are; "llm" (cs only), "galaxy" and "dark matter" are not. Such a word is never a
      keyword alone but may stand in a phrase: "language model", "derived category" and
      "field theory" are topics (they are in titles, so "model" and "derived" are no phrase
      bounds). A site of one field has no spread
      to measure: this signal is then off and only the first one applies, so the field's
      topic words stay keywords.
    """
    n_docs, n_terms = counts.shape
    present = counts.copy()
    present.data = np.ones_like(present.data)
    df = np.asarray(present.sum(axis=0)).ravel()
    words = len(title_df)  # title_df covers the word columns, which come first
    common_df = max(COMMON_MIN_PAPERS, COMMON_RATE * n_docs)
    mean_share = title_df.sum() / max(df[:words].sum(), 1)
    talk = np.zeros(n_terms, dtype=bool)
    expected = mean_share * df[:words]  # titles an average word used this often would get
    talk[:words] = (
        (df[:words] >= common_df)
        & (expected >= TITLE_EVIDENCE)
        & (title_df <= TITLE_SHARE * expected)
    )
    boilerplate = talk | _common_in_fields(present, field_of)
    # Phrases whose first or last word is abstract talk.
    if len(phrase_words):
        bounded = talk[phrase_words[:, 0]] | talk[phrase_words[:, 1]]
        boilerplate[words : words + len(phrase_words)] |= bounded
    return boilerplate


def _common_in_fields(present: sp.csr_matrix, field_of: np.ndarray) -> np.ndarray:
    """Columns of `present` (0/1) common in FIELD_SHARE of the large fields, at least two;
    none when fewer than two fields are large. One sparse product."""
    none = np.zeros(present.shape[1], dtype=bool)
    known = field_of >= 0
    if not known.any():
        return none
    sizes = np.bincount(field_of[known])
    large = np.flatnonzero(sizes >= FIELD_MIN_PAPERS)
    if len(large) < 2:
        return none
    row = np.full(len(sizes), -1)
    row[large] = np.arange(len(large))
    docs = np.flatnonzero(known)
    docs = docs[row[field_of[docs]] >= 0]
    member = sp.csr_matrix(
        (np.ones(len(docs)), (row[field_of[docs]], docs)), shape=(len(large), present.shape[0])
    )
    df = (member @ present).tocsr()  # papers of each large field using each term
    rates = (sp.diags(1.0 / sizes[large]) @ df).tocsr()
    common = (rates >= COMMON_RATE).multiply(df >= COMMON_MIN_PAPERS)
    needed = max(2, int(np.ceil(FIELD_SHARE * len(large))))
    return np.asarray(common.sum(axis=0)).ravel() >= needed


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return (sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix).tocsr()


def _strongest(query: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Each row's n largest entries (ties: lower column), the rest dropped."""
    keep = np.zeros(query.nnz, dtype=bool)
    for i in range(query.shape[0]):
        lo, hi = query.indptr[i], query.indptr[i + 1]
        values = query.data[lo:hi]
        if hi - lo <= n:
            keep[lo:hi] = True
        else:
            keep[lo + np.lexsort((query.indices[lo:hi], -values))[:n]] = True
    kept = query.copy()
    kept.data = np.where(keep, kept.data, 0.0)
    kept.eliminate_zeros()
    return kept
