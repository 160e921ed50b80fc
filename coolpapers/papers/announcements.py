"""The kinds of appearance in arXiv's daily lists: a paper's model and every source share them."""

from __future__ import annotations

ANNOUNCE_NEW = "new"
ANNOUNCE_CROSS = "cross"
ANNOUNCE_REPLACE = "replace"
ANNOUNCE_KINDS = (ANNOUNCE_NEW, ANNOUNCE_CROSS, ANNOUNCE_REPLACE)
