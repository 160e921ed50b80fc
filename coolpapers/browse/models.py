"""Reader signals kept by the site itself: stars (clicks on a paper's [PDF] or [REL])."""

from __future__ import annotations

from django.db import models

from coolpapers.papers.models import Paper


class Star(models.Model):
    """One counted click: at most one per browser, paper and day, so a reader cannot inflate
    a paper's stars by clicking again."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="stars")
    client_key = models.CharField(
        max_length=64, help_text="Keyed hash of the browser's random id (the id is not stored)"
    )
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "client_key", "day"], name="one_star_per_client_paper_day"
            )
        ]

    def __str__(self) -> str:
        return f"star for {self.paper_id} on {self.day}"
