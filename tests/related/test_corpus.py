"""The corpus model on real papers: twenty related papers each, best first, never the paper
itself; papers added after the build are found at once; the rebuild rule."""

from __future__ import annotations

import dataclasses
import gzip
import json

import numpy as np
import pytest

from coolpapers.related.corpus import REBUILD_FRACTION, RELATED, CorpusModel
from tests.related.conftest import DEMO


def test_every_paper_gets_twenty_related_papers_best_first(demo_model, demo_papers):
    papers = demo_papers[::9]
    for result in demo_model.compute(papers):
        ids = [pid for pid, _ in result.related]
        scores = [score for _, score in result.related]
        assert len(ids) == RELATED == len(set(ids))
        assert result.arxiv_id not in ids
        assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_related_papers_share_the_topic_categories_never_read(demo_model, demo_papers):
    """Categories are the yardstick: PaperText has no field for them."""
    assert "categories" not in {f.name for f in dataclasses.fields(demo_papers[0])}
    with gzip.open(DEMO, "rt", encoding="utf-8") as stream:
        primary = {r["id"]: r["primary_category"] for r in map(json.loads, stream)}
    results = demo_model.compute(demo_papers[::3])
    same = [
        sum(primary[pid] == primary[r.arxiv_id] for pid, _ in r.related[:10]) / 10 for r in results
    ]
    # 0.62 on this corpus; its largest category holds 38% of the papers.
    assert np.mean(same) > 0.55


def test_papers_added_after_the_build_are_found_at_once(demo_papers):
    base, new = demo_papers[:-60], demo_papers[-60:]
    model = CorpusModel.build(base)
    assert model.outdated(new) == list(range(60))
    with pytest.raises(ValueError, match="current rows"):
        model.compute(new[:1])
    analyses = [p.analyze() for p in new]
    model.append([p.arxiv_id for p in new], [p.content_hash for p in new], model.weigh(analyses))
    assert model.outdated(new) == [] and model.added_rows == 60
    results = model.compute(new, analyses)
    fresh = {p.arxiv_id for p in new}
    assert all(len(r.related) == RELATED for r in results)
    assert sum(pid in fresh for r in results for pid, _ in r.related) > 0
    # An old paper finds the new ones too.
    old = model.compute(base[:300])
    assert any(pid in fresh for r in old for pid, _ in r.related)


def test_a_changed_paper_gets_a_new_row_and_its_old_row_is_never_returned(demo_papers):
    model = CorpusModel.build(demo_papers[:500])
    target = demo_papers[10]
    changed = dataclasses.replace(target, abstract=demo_papers[20].abstract, content_hash="changed")
    assert model.outdated([changed]) == [0]
    model.append([changed.arxiv_id], ["changed"], model.weigh([changed.analyze()]))
    assert not model.alive[10] and model.row_of[target.arxiv_id] == 500
    results = model.compute([*demo_papers[:500:7], changed])
    for result in results:
        ids = [pid for pid, _ in result.related]
        assert len(ids) == len(set(ids))
    # Its text is now paper 20's, so paper 20 is its nearest neighbour.
    assert results[-1].related[0][0] == demo_papers[20].arxiv_id
    model.truncate()
    assert model.alive[10] and model.added_rows == 0


def test_rebuild_is_due_after_five_percent_new_papers(demo_papers):
    model = CorpusModel.build(demo_papers[:1000])
    limit = int(REBUILD_FRACTION * 1000)
    extra = demo_papers[1000 : 1000 + limit + 1]
    analyses = [p.analyze() for p in extra]
    weights = model.weigh(analyses)
    model.append([p.arxiv_id for p in extra[:limit]], [""] * limit, weights[:limit])
    assert not model.needs_rebuild
    model.append([extra[-1].arxiv_id], [""], weights[limit:])
    assert model.needs_rebuild


def test_keep_none_returns_every_candidate_scored(demo_model, demo_papers):
    papers = demo_papers[:400:40]
    default = demo_model.compute(papers)
    every = demo_model.compute(papers, keep=None)
    for short, full in zip(default, every, strict=True):
        scores = [score for _, score in full.related]
        assert len(full.related) > RELATED and full.related[:RELATED] == short.related
        assert scores == sorted(scores, reverse=True)
        assert full.arxiv_id not in {pid for pid, _ in full.related}
    assert [r.related for r in demo_model.compute(papers, keep=5)] == [
        r.related[:5] for r in default
    ]


def test_extra_rows_join_the_candidates_once_each(demo_model, demo_papers):
    """The hybrid's embedding neighbours: rows the BM25 candidates lack are added and
    scored with the same query; a repeated row or -1 padding adds nothing."""
    papers = demo_papers[:400:40]
    every = demo_model.compute(papers, keep=None)
    extra = np.full((len(papers), 4), -1, dtype=np.int64)
    for i, result in enumerate(every):
        found = {demo_model.row_of[pid] for pid, _ in result.related}
        found.add(demo_model.row_of[result.arxiv_id])
        outside = [row for row in range(len(demo_papers) - 1, 0, -1) if row not in found][:2]
        extra[i] = [outside[0], demo_model.row_of[result.related[0][0]], -1, outside[1]]
    with_extra = demo_model.compute(papers, extra=extra, keep=None)
    for i, (before, after) in enumerate(zip(every, with_extra, strict=True)):
        ids = [pid for pid, _ in after.related]
        added = {demo_papers[extra[i, 0]].arxiv_id, demo_papers[extra[i, 3]].arxiv_id}
        assert len(ids) == len(set(ids)) == len(before.related) + 2
        assert added <= set(ids)
        assert {pid: s for pid, s in after.related if pid not in added} == dict(before.related)
        assert all(np.isfinite(score) and score >= 0 for _, score in after.related)
        scores = [score for _, score in after.related]
        assert scores == sorted(scores, reverse=True)
        # the default list is unchanged unless an added paper scores into it
        top = [pid for pid, _ in demo_model.compute([papers[i]], extra=extra[i : i + 1])[0].related]
        assert top == ids[:RELATED]


def test_boilerplate_mask_survives_save_and_load(demo_model, demo_papers, model_dir):
    """The learned boilerplate is stored with the model and read back the same, so a process
    that loads the model picks the same keywords."""
    from coolpapers.related import store

    store.save_model(demo_model)
    loaded = store.load_model(demo_model.version)
    assert demo_model.boilerplate.sum() > 100
    assert np.array_equal(loaded.boilerplate, demo_model.boilerplate)
    paper = demo_papers[0]
    row = demo_model.row_of[paper.arxiv_id]
    assert loaded.keywords(paper.analyze(), row) == demo_model.keywords(paper.analyze(), row)
