"""Synthetic corpus: the real daily-arXiv corpus scaled to N papers, for benchmarks at any size.

    python -m bench.generate --papers N [--seed S] --out PATH.jsonl.gz [--corpus SRC]
        [--sample K] [--templates T] [--per-day F]

Writes N records in the daily-arXiv JSON-lines format `ingest_arxiv` reads, so a benchmark can
run on a million papers whose words, lengths, categories and daily lists still look like the
133k real ones. Same corpus, seed and options give byte-identical output: every draw comes from
random.Random instances seeded with the seed, and the gzip header carries no time or file name.

How it works: one streaming pass over the source, then the N papers streamed to the output.

* Sampling. Every source line is decoded and validated by the ingestion reader itself (lines it
  would reject are skipped) and feeds fixed-size uniform reservoirs (Algorithm R) - abstract
  sentences, title halves, author names and comments - per primary category, per archive
  ("astro-ph") and overall, at most K items each; plus up to T "templates", a paper's shape:
  primary category, category list, sentence count, abstract and title lengths, author count,
  whether it has a comment and a hard-wrapped abstract. Memory depends on K and T, never on N
  (about 230 MB with the defaults on the real corpus).
* Papers. Each paper copies a random template's shape: its categories (so primary categories
  and cross-lists keep their real proportions); as many sentences as the template's abstract
  had, drawn without repeats from sentences of papers with the same primary category (so the
  vocabulary stays topical), a few of them swapped until the abstract is within 15% of the
  template's length (independent sentences alone would spread lengths far wider than real
  abstracts, which arXiv caps at 1920 characters); and as many author names from that
  category's reservoir (sampled by occurrence, so prolific authors stay prolific). A category
  with fewer than 20 source papers borrows its archive's pools, or the overall ones.
* Sentences end at . ! ? followed by a capital, never inside $...$ or $$...$$ nor after "e.g."
  and initials; an abstract with an unbalanced $ gives no sentences, so every formula in the
  output is a whole formula of the source. Abstracts that arXiv hard-wrapped at 79 columns are
  re-wrapped the same way, never inside a formula.
* Titles are recombined halves, which read like real titles and keep their lengths: a real
  title is cut at its first connective (": ", then " for ", " via ", ..., outside math) and its
  head joined to the tail of another title of the same category cut at the same connective
  ("Segment Anything for " + "Remote Sensing Images"), keeping of a few tries the one closest
  to the template's title length. A title without a connective (6% of them) gets one word
  swapped for a word of another title of the category instead.
* Ids and dates. Ids are new-style YYMM.NNNNN starting the month after the newest id or
  announcement in the source, so they collide neither with it nor with each other, for as many
  months as N needs. Papers follow arXiv's calendar: lists dated Monday-Friday (announced
  Sunday-Thursday 20:00 ET) each hold the submissions between two 14:00 ET cutoffs (Tuesday's
  spans the weekend), and each list's size is drawn from the source's list sizes on the same
  weekday. A paper's random submission time in its window gives its id's month (submitted on
  the 31st and listed on the 2nd keeps the old month, like 6% of real papers) and its number
  (numbers rise with submission time within a month).
* Provenance: source_repo "coolpapers/bench.generate", source_ref "seed-S", source_path
  "data/<announce_date>.jsonl": the real lines' keys and types, marked as synthetic.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import os
import random
import re
import resource
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, NoReturn

from tqdm import tqdm

from bench import DEFAULT_CORPUS
from coolpapers.ingestion.readers import open_source
from coolpapers.ingestion.readers.common import MAX_TITLE
from coolpapers.ingestion.readers.jsonl import _record, iter_json_lines
from coolpapers.ingestion.records import PaperRecord, RejectedRecord, SourceError

DEFAULT_SEED = 7
DEFAULT_SAMPLE = 20_000  # items per reservoir: ~100 MB for the real corpus, whatever N is
DEFAULT_TEMPLATES = 200_000  # more than the real corpus's papers: every real shape is kept
MIN_PAPERS = 20  # a category with fewer source papers borrows its archive's pools
WRAP = 79  # arXiv's listings hard-wrap abstracts at 79 columns
CUTOFF_UTC = 18  # 14:00 ET (EDT); the submission deadline of a weekday
OVERALL = "*"
SOURCE_REPO = "coolpapers/bench.generate"
LAST_MONTH = 2099 * 12 + 11  # YYMM ids end in December 2099
MAX_NUMBER = 99_999  # NNNNN
FLUSH_LINES = 1000
ARXIV_ABSTRACT_LIMIT = 1920  # arXiv's own limit (a few old real abstracts are longer)
LENGTH_SLACK = 0.15  # a generated abstract's length within this of its template's...
LENGTH_TRIES = 12  # ...after at most this many sentence swaps
TITLE_SLACK = 0.2
TITLE_TRIES = 4

# A TeX escape (\$ is a dollar sign, not math) or a whole $$...$$ / $...$ formula.
_TEX = re.compile(r"\\.|\$\$(?:[^$\\]|\\.)+\$\$|\$(?:[^$\\]|\\.)+\$", re.DOTALL)
_BOUNDARY = re.compile(r"(?<=[.!?]) (?=[A-Z$(\[])")
# Words after which ". X" does not end a sentence: "e.g. BERT", "et al. Our", "J. Smith".
_ABBREVIATION = re.compile(
    r"(?:e\.g|i\.e|al|etc|vs|cf|viz|resp|approx|Figs?|Eqs?|Refs?|Sec|Tab|No|Dr|Prof|St|[A-Z])\."
)
_CONNECTIVES = (": ", " for ", " via ", " with ", " using ", " in ", " of ", " on ", " and ")
_WORD = re.compile(r"[A-Za-z][a-z]{3,}")
_NEW_ID = re.compile(r"(\d\d)(\d\d)\.\d{4,5}")


class GenerateError(Exception):
    """A problem with the input or the options; main() prints it as one line."""


class Template(NamedTuple):
    """The shape of one real paper, which a generated paper copies."""

    primary: str
    categories: tuple[str, ...]
    sentences: int
    abstract_length: int  # whitespace squashed
    title_length: int
    authors: int
    comment: bool
    wrapped: bool


class Reservoir:
    """At most `size` items drawn uniformly from all offered (Algorithm R): a bounded sample of
    a stream of unknown length."""

    __slots__ = ("items", "seen", "size")

    def __init__(self, size: int) -> None:
        self.items: list[Any] = []
        self.seen = 0
        self.size = size

    def offer(self, item: Any, rng: random.Random) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            j = int(rng.random() * self.seen)
            if j < self.size:
                self.items[j] = item


class Pools:
    """The reservoirs of one primary category, archive or the whole corpus."""

    __slots__ = ("comments", "heads", "names", "papers", "sentences", "tails")

    def __init__(self, size: int) -> None:
        self.papers = 0
        self.sentences = Reservoir(size)
        self.heads = Reservoir(size)  # (head, connective), or (whole title, "")
        self.tails: dict[str, Reservoir] = {}  # connective -> what followed it
        self.names = Reservoir(size)
        self.comments = Reservoir(size)

    def usable(self) -> bool:
        return self.papers >= MIN_PAPERS and bool(self.sentences.items and self.heads.items)


def formulas(text: str) -> tuple[list[tuple[int, int]], bool]:
    """The (start, end) of every formula in text, and whether every $ belongs to one (a stray $
    would make formulas pair up wrongly once sentences are shuffled)."""
    if "$" not in text:
        return [], True
    spans = []
    inside = 0
    for m in _TEX.finditer(text):
        if m.group().startswith("$"):
            spans.append(m.span())
            inside += m.group().count("$")
        elif m.group() == "\\$":
            inside += 1
    return spans, inside == text.count("$")


def _inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][1] > pos


def split_sentences(text: str) -> tuple[list[str], bool]:
    """Whitespace-normalised sentences of an abstract, and whether its $ signs balance."""
    text = " ".join(text.split())
    spans, balanced = formulas(text)
    starts = [s for s, _ in spans]
    sentences = []
    begin = 0
    for m in _BOUNDARY.finditer(text):
        cut = m.start()
        if spans and _inside(spans, starts, cut):
            continue
        space = text.rfind(" ", begin, cut)
        word = text[space + 1 if space >= 0 else begin : cut].lstrip("([")
        if _ABBREVIATION.fullmatch(word):
            continue
        sentences.append(text[begin:cut])
        begin = m.end()
    sentences.append(text[begin:])
    return [s for s in sentences if s], balanced


def cut_title(title: str) -> tuple[str, str, str] | None:
    """(head, connective, tail) at the first connective outside math, in _CONNECTIVES' order."""
    spans, _ = formulas(title)
    starts = [s for s, _ in spans]
    for connective in _CONNECTIVES:
        i = title.find(connective)
        while i != -1 and spans and _inside(spans, starts, i):
            i = title.find(connective, i + 1)
        if i > 0 and i + len(connective) < len(title):
            return title[:i], connective, title[i + len(connective) :]
    return None


def _words(text: str) -> list[re.Match[str]]:
    """Plain words of a title (not inside a formula), the ones a swap may replace."""
    spans, _ = formulas(text)
    starts = [s for s, _ in spans]
    return [m for m in _WORD.finditer(text) if not (spans and _inside(spans, starts, m.start()))]


def swap_word(title: str, donor: str, rng: random.Random) -> str:
    """title with one of its words replaced by one of donor's, capitalised alike."""
    mine, theirs = _words(title), _words(donor)
    if not mine or not theirs:
        return title
    old = rng.choice(mine)
    new = rng.choice(theirs).group()
    new = new[0].upper() + new[1:] if old.group()[0].isupper() else new.lower()
    return title[: old.start()] + new + title[old.end() :]


def wrap(text: str, width: int = WRAP) -> str:
    """Hard-wrap like arXiv's listings, keeping each formula on one line."""
    math = "$" in text
    if math:  # a formula's spaces become NULs (squashed text has none) so it is one word
        text = _TEX.sub(lambda m: m.group().replace(" ", "\0"), text)
    lines = []
    start = 0
    while len(text) - start > width:  # greedy: the last space that keeps the line <= width
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:  # a word longer than a line stands alone on its line
            cut = text.find(" ", start + width)
            if cut == -1:
                break
        lines.append(text[start:cut])
        start = cut + 1
    lines.append(text[start:])
    out = "\n".join(lines)
    return out.replace("\0", " ") if math else out


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


class Sample:
    """What one streaming pass keeps of the source: bounded reservoirs, list sizes, newest month."""

    def __init__(self, size: int, templates: int, seed: int) -> None:
        self.size = size
        self.rng = random.Random(f"{seed}/sample")
        self.templates = Reservoir(templates)
        self.pools: dict[str, Pools] = {}
        self.list_sizes: dict[date, int] = {}
        self.newest_month = 0
        self.papers = 0
        self.rejected = 0
        self.source_ids = 0
        self._category_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._chosen: dict[str, Pools] = {}

    def add(self, item: dict[str, Any], record: PaperRecord) -> None:
        """Feed one valid source record to the reservoirs."""
        rng = self.rng
        self.papers += 1
        primary = record.categories[0]
        raw = item.get("categories")
        cats = tuple(raw) if isinstance(raw, list) else tuple(record.categories)
        if primary not in cats:
            cats = (primary, *cats)
        cats = self._category_lists.setdefault(cats, cats)  # one tuple per distinct list
        sentences, balanced = split_sentences(record.abstract)
        self.templates.offer(
            Template(
                primary=primary,
                categories=cats,
                sentences=max(1, len(sentences)),
                abstract_length=sum(map(len, sentences)) + len(sentences) - 1,
                title_length=len(record.title),
                authors=len(record.authors),
                comment=bool(record.comments),
                wrapped="\n" in record.abstract,
            ),
            rng,
        )
        if record.announced:
            self.list_sizes[record.announced] = self.list_sizes.get(record.announced, 0) + 1
            month = _month_index(record.announced.year, record.announced.month)
            self.newest_month = max(self.newest_month, month)
        if m := _NEW_ID.fullmatch(record.arxiv_id):
            month = _month_index(2000 + int(m.group(1)), int(m.group(2)))
            self.newest_month = max(self.newest_month, month)

        title_ok = formulas(record.title)[1]
        cut = cut_title(record.title) if title_ok else None
        head = (cut[0], cut[1]) if cut else (record.title, "")
        archive = primary.split(".", 1)[0]
        for key in dict.fromkeys((primary, archive, OVERALL)):
            pools = self.pools.get(key)
            if pools is None:
                pools = self.pools[key] = Pools(self.size)
            pools.papers += 1
            if balanced:
                for sentence in sentences:
                    pools.sentences.offer(sentence, rng)
            if title_ok:
                pools.heads.offer(head, rng)
                if cut:
                    tails = pools.tails.get(cut[1])
                    if tails is None:
                        tails = pools.tails[cut[1]] = Reservoir(self.size)
                    tails.offer(cut[2], rng)
            for name in record.authors:
                pools.names.offer(name, rng)
            if record.comments:
                pools.comments.offer(record.comments, rng)

    def pools_for(self, primary: str) -> Pools:
        """The category's own pools, else its archive's, else the whole corpus's."""
        chosen = self._chosen.get(primary)
        if chosen is None:
            archive = primary.split(".", 1)[0]
            chosen = next(
                (self.pools[k] for k in (primary, archive) if self.pools[k].usable()),
                self.pools[OVERALL],
            )
            self._chosen[primary] = chosen
        return chosen

    def sizes_by_weekday(self, per_day: float) -> dict[int, list[int]]:
        """Real list sizes for each weekday (Monday 0 ... Friday 4), scaled by per_day; a weekday
        the source never lists borrows the other weekdays' sizes."""
        by_day: dict[int, list[int]] = {d: [] for d in range(5)}
        for day, count in self.list_sizes.items():
            if day.weekday() < 5:
                by_day[day.weekday()].append(count)
        pooled = [c for sizes in by_day.values() for c in sizes] or list(self.list_sizes.values())
        pooled = pooled or [1]
        return {
            d: [max(1, round(c * per_day)) for c in (sizes or pooled)]
            for d, sizes in by_day.items()
        }


def read_sample(path: Path, size: int, templates: int, seed: int) -> Sample:
    """One streaming pass over the corpus, through the ingestion reader's own line decoding and
    validation, so only records `ingest_arxiv` accepts become templates and material."""
    sample = Sample(size, templates, seed)
    try:
        with open_source(path) as (stream, raw):
            total = os.fstat(raw.fileno()).st_size
            with tqdm(
                total=total, unit="B", unit_scale=True, desc="sampling corpus", file=sys.stderr
            ) as bar:
                for number, item in iter_json_lines(stream, str(path)):
                    record = item
                    if not isinstance(item, RejectedRecord):
                        record = _record(item, f"line {number}")
                    if isinstance(record, RejectedRecord):
                        sample.rejected += 1
                    else:
                        sample.add(item, record)  # type: ignore[arg-type]
                    if number % 2000 == 0:
                        bar.update(raw.tell() - bar.n)
                bar.update(total - bar.n)
    except SourceError as exc:
        raise GenerateError(str(exc)) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise GenerateError(f"{path}: cannot read: {exc}") from exc
    if not sample.papers or not sample.pools[OVERALL].sentences.items:
        raise GenerateError(f"{path}: no usable papers (rejected {sample.rejected})")
    return sample


def _previous_weekday(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _cutoff(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, CUTOFF_UTC, tzinfo=UTC)


def list_windows(first_month: int) -> Iterator[tuple[date, datetime, datetime]]:
    """(list date, window start, window end) of every list from the first whose submissions all
    fall in first_month: Monday's list holds Thursday-to-Friday submissions, Tuesday's
    Friday-to-Monday, and so on."""
    month_start = date(first_month // 12, first_month % 12 + 1, 1)
    day = month_start
    while day.weekday() >= 5 or _previous_weekday(_previous_weekday(day)) < month_start:
        day += timedelta(days=1)
    while True:
        end_day = _previous_weekday(day)
        yield day, _cutoff(_previous_weekday(end_day)), _cutoff(end_day)
        day += timedelta(days=3 if day.weekday() == 4 else 1)


class Generator:
    """Lays papers out on the calendar and fills them from the sample."""

    def __init__(self, sample: Sample, seed: int, per_day: float) -> None:
        self.sample = sample
        self.seed = seed
        self.rng = random.Random(f"{seed}/papers")
        self.calendar_rng = random.Random(f"{seed}/calendar")
        self.sizes = sample.sizes_by_weekday(per_day)
        # new-style ids have had five digits since 1501
        self.first_month = max(sample.newest_month + 1, _month_index(2015, 1))
        self.first_id = ""
        self.last_id = ""
        self.first_day: date | None = None
        self.last_day: date | None = None

    def check_capacity(self, papers: int) -> None:
        """Fail before writing anything when N papers cannot get YYMM.NNNNN ids by 9912."""
        mean_day = sum(sum(s) / len(s) for s in self.sizes.values()) / 5
        per_month = mean_day * 261 / 12  # weekdays per year / months
        months = papers / per_month * 1.05 + 1
        left = LAST_MONTH - self.first_month + 1
        if months > left:
            need = papers / (left * per_month) * 1.1
            raise GenerateError(
                f"{papers} papers at ~{per_month:.0f} a month need {months:.0f} months of ids but "
                f"only {left} remain before 9912; raise --per-day (about {need:.1f})"
            )
        busiest = max(max(s) for s in self.sizes.values()) * 23
        if busiest > MAX_NUMBER:
            raise GenerateError(f"--per-day too large: a month could hold {busiest} > 99999 ids")

    def ids(self, papers: int) -> Iterator[tuple[str, date]]:
        """(id, list date) of N papers in announcement order."""
        rng = self.calendar_rng
        remaining = papers
        numbers: dict[int, int] = {}
        for day, start, end in list_windows(self.first_month):
            size = min(rng.choice(self.sizes[day.weekday()]), remaining)
            span = (end - start).total_seconds()
            for offset in sorted(rng.random() * span for _ in range(size)):
                submitted = start + timedelta(seconds=offset)
                month = _month_index(submitted.year, submitted.month)
                number = numbers.get(month, 0) + 1
                if month > LAST_MONTH or number > MAX_NUMBER:
                    raise GenerateError(f"ran out of YYMM.NNNNN ids at {day}")
                numbers[month] = number
                yield f"{submitted.year % 100:02d}{submitted.month:02d}.{number:05d}", day
            for old in [m for m in numbers if m < month - 1]:
                del numbers[old]
            remaining -= size
            if not remaining:
                return

    def paper(self, arxiv_id: str, day: date) -> dict[str, Any]:
        """One record in the daily-arXiv line format, shaped like a random real paper."""
        rng = self.rng
        templates = self.sample.templates.items
        t: Template = templates[int(rng.random() * len(templates))]
        pools = self.sample.pools_for(t.primary)

        abstract = self._abstract(t, pools)
        title = self._title(t, pools)
        names = pools.names.items
        authors = list(dict.fromkeys(rng.sample(names, min(t.authors, len(names)))))
        comments = pools.comments.items
        comment = comments[int(rng.random() * len(comments))] if t.comment and comments else None
        stamp = day.isoformat()
        return {
            "id": arxiv_id,
            "title": title,
            "authors": authors,
            "categories": list(t.categories),
            "primary_category": t.primary,
            "abstract": abstract,
            "comment": comment,
            "announce_date": stamp,
            "source_repo": SOURCE_REPO,
            "source_ref": f"seed-{self.seed}",
            "source_path": f"data/{stamp}.jsonl",
        }

    def _abstract(self, t: Template, pools: Pools) -> str:
        """t.sentences sentences of the category, swapped until their length is near t's: a sum
        of independent sentences would spread far wider than real abstracts (arXiv caps them
        at 1920 characters)."""
        rng = self.rng
        pool = pools.sentences.items
        n = t.sentences
        picked = (
            rng.sample(pool, n)
            if n <= len(pool)
            else [pool[int(rng.random() * len(pool))] for _ in range(n)]
        )
        lengths = [len(s) for s in picked]
        total = sum(lengths) + n - 1
        low, high = t.abstract_length * (1 - LENGTH_SLACK), t.abstract_length * (1 + LENGTH_SLACK)
        for _ in range(LENGTH_TRIES):
            if low <= total <= high:
                break
            too_long = total > high
            i = lengths.index(max(lengths) if too_long else min(lengths))
            new = pool[int(rng.random() * len(pool))]
            if (len(new) < lengths[i]) == too_long and len(new) != lengths[i] and new not in picked:
                total += len(new) - lengths[i]
                picked[i], lengths[i] = new, len(new)
        limit = max(ARXIV_ABSTRACT_LIMIT, t.abstract_length)
        while total > limit and len(picked) > 1:
            i = lengths.index(max(lengths))
            total -= lengths.pop(i) + 1
            picked.pop(i)
        abstract = " ".join(picked)
        return wrap(abstract) if t.wrapped else abstract

    def _title(self, t: Template, pools: Pools) -> str:
        """A head and a tail of the category's titles joined at their connective, the closest
        to t's title length of a few tries."""
        rng = self.rng
        heads = pools.heads.items
        best, gap = "", float("inf")
        for _ in range(TITLE_TRIES):
            head, connective = heads[int(rng.random() * len(heads))]
            tails = pools.tails.get(connective) if connective else None
            if tails and tails.items:
                title = head + connective + tails.items[int(rng.random() * len(tails.items))]
            else:
                title = swap_word(head, heads[int(rng.random() * len(heads))][0], rng)
            if len(title) > MAX_TITLE:
                continue
            if abs(len(title) - t.title_length) < gap:
                best, gap = title, abs(len(title) - t.title_length)
            if gap <= TITLE_SLACK * t.title_length:
                break
        return best or head

    def write(self, papers: int, out: BinaryIO) -> None:
        """Stream N lines to out, a few hundred at a time."""
        lines: list[str] = []
        with tqdm(total=papers, unit="paper", desc="generating", file=sys.stderr) as bar:
            for arxiv_id, day in self.ids(papers):
                if not self.first_id:
                    self.first_id, self.first_day = arxiv_id, day
                self.last_id, self.last_day = arxiv_id, day
                lines.append(json.dumps(self.paper(arxiv_id, day), ensure_ascii=False))
                if len(lines) == FLUSH_LINES:
                    out.write(("\n".join(lines) + "\n").encode())
                    bar.update(len(lines))
                    lines.clear()
            if lines:
                out.write(("\n".join(lines) + "\n").encode())
                bar.update(len(lines))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(
    *,
    papers: int,
    out: Path,
    corpus: Path = DEFAULT_CORPUS,
    seed: int = DEFAULT_SEED,
    sample_size: int = DEFAULT_SAMPLE,
    templates: int = DEFAULT_TEMPLATES,
    per_day: float = 1.0,
) -> str:
    """Write the corpus to out (via out.part, so a failed run leaves no half file that looks
    whole) and return a one-line summary."""
    if papers < 1:
        raise GenerateError(f"--papers must be at least 1, got {papers}")
    if sample_size < 1 or templates < 1 or not per_day > 0:
        raise GenerateError("--sample and --templates must be at least 1, --per-day above 0")
    if not corpus.is_file():
        raise GenerateError(f"{corpus}: no such file")
    if not out.parent.is_dir():
        raise GenerateError(f"{out.parent}: no such directory")
    started = time.perf_counter()
    sample = read_sample(corpus, sample_size, templates, seed)
    sampled = time.perf_counter()
    generator = Generator(sample, seed, per_day)
    generator.check_capacity(papers)
    part = out.with_name(out.name + ".part")
    try:
        with open(part, "wb") as raw:
            if out.name.endswith(".gz"):
                with gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0
                ) as zipped:
                    generator.write(papers, zipped)  # type: ignore[arg-type]
            else:
                generator.write(papers, raw)
        os.replace(part, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    done = time.perf_counter()
    rate = papers / max(done - sampled, 1e-9)
    return (
        f"wrote {papers} papers to {out}: ids {generator.first_id}..{generator.last_id}, "
        f"lists {generator.first_day}..{generator.last_day}; sampled {sample.papers} source "
        f"papers (rejected {sample.rejected}) in {sampled - started:.1f}s, generated in "
        f"{done - sampled:.1f}s ({rate:.0f} papers/s); peak RSS {peak_rss_mb():.0f} MB"
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line on stderr, like every other failure."""
        self.exit(2, f"{self.prog}: {message}\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = _Parser(prog="bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, required=True, metavar="N")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, required=True, metavar="PATH.jsonl.gz")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, metavar="SRC")
    parser.add_argument(
        "--sample", type=int, default=DEFAULT_SAMPLE, metavar="K", help="items per reservoir"
    )
    parser.add_argument(
        "--templates", type=int, default=DEFAULT_TEMPLATES, metavar="T", help="paper shapes kept"
    )
    parser.add_argument(
        "--per-day", type=float, default=1.0, metavar="F", help="scale of the daily list sizes"
    )
    args = parser.parse_args(argv)
    try:
        summary = generate(
            papers=args.papers,
            out=args.out,
            corpus=args.corpus,
            seed=args.seed,
            sample_size=args.sample,
            templates=args.templates,
            per_day=args.per_day,
        )
    except GenerateError as exc:
        sys.exit(f"bench.generate: {exc}")
    except KeyboardInterrupt:
        sys.exit("bench.generate: interrupted")
    print(summary)


if __name__ == "__main__":
    main()
