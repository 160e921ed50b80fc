"""Stored results: a paper's keywords and its ranked related papers, with what they came from."""

from __future__ import annotations

from django.db import models

from coolpapers.papers.models import Paper


class PaperKeywords(models.Model):
    """A paper's keywords, and the paper text and corpus model its results were computed from.

    Results are stale when `content_hash` is not the paper's any more (the paper changed) or
    `model_version` is not the current model's (the corpus model was rebuilt).
    """

    paper = models.OneToOneField(
        Paper, on_delete=models.CASCADE, primary_key=True, related_name="related_state"
    )
    keywords = models.JSONField(default=list, help_text="Best first, as the paper writes them")
    content_hash = models.CharField(max_length=40)
    model_version = models.CharField(max_length=64, db_index=True)
    signals = models.CharField(
        max_length=32,
        default="bm25",
        help_text='What ordered the related list: "bm25", or "bm25+embedding" (semantic mode)',
    )
    computed_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "paper keywords"

    def __str__(self) -> str:
        return f"{self.paper_id}: {', '.join(self.keywords)}"


class RelatedPaper(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="related_links")
    related = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(help_text="1 is the most similar")
    score = models.FloatField(
        help_text="BM25 score of the paper's query, or the hybrid score (comparable per paper)"
    )

    class Meta:
        ordering = ["paper", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "rank"], name="unique_related_rank")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} #{self.rank}: {self.related_id}"
