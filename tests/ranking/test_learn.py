"""The profile model on hand-made matrices: prior, keywords, embeddings, storage, why."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from coolpapers.ranking import learn


def rows(*dicts: dict[int, float], n: int = 6) -> sp.csr_matrix:
    matrix = sp.lil_matrix((len(dicts), n))
    for i, d in enumerate(dicts):
        for column, value in d.items():
            matrix[i, column] = value
    return learn.unit_rows(matrix.tocsr())


def test_liked_terms_weigh_up_disliked_down_and_bytes_round_trip():
    pos = learn.Examples(rows({0: 1, 1: 1}, {0: 1, 2: 1}))
    neg = learn.Examples(rows({3: 1, 4: 1}, {3: 1}))
    linear = learn.fit(pos, neg, learn.Examples(rows({5: 1})), None)
    w = linear.vector(6)
    assert w[0] > w[1] > 0 and w[3] < 0
    again = learn.Linear.from_bytes(*linear.to_bytes(), linear.intercept)
    assert np.allclose(again.vector(6), w, atol=1e-6)
    s = learn.scores(linear, rows({0: 1}, {3: 1}, {5: 1}))
    assert s[0] > max(s[1], s[2])


def test_keywords_alone_and_only_dislikes():
    query = sp.csr_matrix(([1.0], ([0], [2])), shape=(1, 6))
    empty = learn.Examples(sp.csr_matrix((0, 6)))
    linear = learn.fit(empty, empty, empty, query)
    assert list(linear.indices) == [2] and linear.intercept == 0
    only_down = learn.fit(empty, learn.Examples(rows({1: 1})), empty, None)
    assert only_down.vector(6)[1] < 0
    assert learn.fit(empty, empty, empty, None).empty


def test_embeddings_learn_beside_the_terms():
    dense_pos = np.array([[1.0, 0.0], [0.9, 0.1]])
    dense_neg = np.array([[0.0, 1.0], [0.1, 0.9]])
    pos = learn.Examples(rows({0: 1}, {1: 1}), dense_pos)
    neg = learn.Examples(rows({0: 1}, {1: 1}), dense_neg)  # same words: only meaning differs
    linear = learn.fit(pos, neg, learn.Examples(sp.csr_matrix((0, 6))), None)
    assert linear.dense[0] > linear.dense[1]
    x = rows({0: 1}, {0: 1})
    s = learn.scores(linear, x, np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert s[0] > s[1]


def test_why_readable_contributions_and_closest():
    w = np.array([0.5, 2.0, 0.0, -1.0, 3.0, 1.0])
    readable = np.array([True, True, True, True, False, True])  # column 4: an author
    row = rows({0: 1, 1: 1, 3: 1, 4: 1})[0]
    top = learn.top_contributions(row, w, readable, 3)
    assert [c for c, _ in top] == [1, 0]
    profile = rows({1: 1}, {5: 1}, {0: 1, 1: 1})
    assert learn.closest(row, profile, ["a", "b", "c"], 2) == [["c", "a"]]
