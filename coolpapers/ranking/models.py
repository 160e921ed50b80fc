"""A trained model per interest profile (a library collection), stored in the database.

The weights are sparse: a logistic regression gives weight only to the columns its
examples hold, so `indices` and `values` (int32, float32 bytes) keep those, plus the
embedding part in semantic mode (`dense`). A model belongs to one corpus model version:
after a rebuild of the corpus its columns mean other terms, and it is trained again.
"""

from __future__ import annotations

from django.db import models

from coolpapers.library.models import Collection


class ProfileModel(models.Model):
    collection = models.OneToOneField(
        Collection, on_delete=models.CASCADE, primary_key=True, related_name="ranking_model"
    )
    corpus_version = models.CharField(max_length=64, help_text="Related corpus model it was fit on")
    semantic_model = models.CharField(
        max_length=200, blank=True, help_text="Embedding model of `dense`; empty: BM25 alone"
    )
    indices = models.BinaryField(help_text="int32 BM25 columns with a weight")
    values = models.BinaryField(help_text="float32 weights of those columns")
    dense = models.BinaryField(blank=True, default=b"", help_text="float32 embedding weights")
    intercept = models.FloatField(default=0.0)
    positives = models.PositiveIntegerField(default=0, help_text="👍 and saved papers")
    negatives = models.PositiveIntegerField(default=0, help_text="👎 papers")
    random_negatives = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0, help_text="Ratings when trained")
    saved = models.PositiveIntegerField(default=0, help_text="Saved papers when trained")
    keywords = models.TextField(blank=True, help_text="The collection's keywords when trained")
    # When the training read the profile: a request made before it is already covered.
    read_at = models.DateTimeField()
    trained_at = models.DateTimeField()
    train_seconds = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"model of profile {self.collection_id} ({self.positives}+/{self.negatives}-)"
