"""Keywords worth clicking: does every keyword link find its own paper, and which keywords
come up most often (a reader sees at a glance whether boilerplate remains).

    python -m bench.keywords --data-dir DIR [--sample 1000] [--seed 0] [--top 30]

Reads the keywords stored in DIR's database (run `compute_related` first) and, for a random
sample of papers (fixed seed), runs the search each keyword link runs (`q="<keyword>"`,
spelling correction included, as the link does) restricted to that paper: a link finds its
paper when that search returns it, at whatever position in the full result list.
"""

from __future__ import annotations

import argparse
import os
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace


def finds_paper(keyword: str, arxiv_id: str) -> bool:
    """Whether the search a keyword link runs returns this paper."""
    from search.service import SearchParams, prepare, search

    request, _ = prepare(SearchParams(q=f'"{keyword}"'))
    return search(replace(request, only_ids=frozenset({arxiv_id}))).count > 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="COOLPAPERS_DATA_DIR of the site")
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ["COOLPAPERS_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
    import django

    django.setup()
    from coolpapers.related.models import PaperKeywords

    ids = sorted(PaperKeywords.objects.exclude(keywords=[]).values_list("paper_id", flat=True))
    chosen = random.Random(args.seed).sample(ids, min(args.sample, len(ids)))
    rows = PaperKeywords.objects.filter(paper_id__in=chosen).values_list("paper_id", "keywords")
    links = found = 0
    counts: Counter[str] = Counter()
    missed: list[tuple[str, str]] = []
    for arxiv_id, keywords in rows:
        for keyword in keywords:
            counts[keyword] += 1
            links += 1
            if finds_paper(keyword, arxiv_id):
                found += 1
            else:
                missed.append((arxiv_id, keyword))
    print(f"papers {len(chosen)}, keyword links {links}")
    print(f"links that find their paper: {found}/{links} = {found / max(links, 1):.2%}")
    for arxiv_id, keyword in missed[:20]:
        print(f"  missed: {arxiv_id} {keyword!r}")
    print(f"{args.top} most frequent keywords (papers of the sample):")
    for keyword, n in counts.most_common(args.top):
        print(f"  {n:5d}  {keyword}")


if __name__ == "__main__":
    main()
