"""Papers, their versions and announcements, and the arXiv category taxonomy."""

from __future__ import annotations

from django.db import models
from django.utils.functional import cached_property

from coolpapers.papers.announcements import ANNOUNCE_KINDS


class Archive(models.Model):
    """An arXiv archive (cs, math, hep-th, astro-ph, ...) within a subject group."""

    code = models.CharField(primary_key=True, max_length=32)
    name = models.CharField(max_length=200)
    group = models.CharField(max_length=100, help_text="Subject group, e.g. Physics")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Category(models.Model):
    """A listing category (cs.CL, hep-th, astro-ph.GA); archives without subjects are both."""

    code = models.CharField(primary_key=True, max_length=32)
    name = models.CharField(max_length=200)
    archive = models.ForeignKey(Archive, on_delete=models.PROTECT, related_name="categories")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Paper(models.Model):
    arxiv_id = models.CharField("arXiv id", primary_key=True, max_length=64)
    title = models.TextField()
    abstract = models.TextField()
    authors = models.JSONField(default=list, help_text="Names in order, as the source gives them")
    authors_search = models.TextField(
        blank=True, help_text="Accent-folded, lower-case names for matching"
    )
    primary_category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="primary_papers"
    )
    categories = models.ManyToManyField(Category, through="PaperCategory", related_name="papers")
    comments = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=500, blank=True)
    report_no = models.TextField(blank=True)
    license = models.CharField(max_length=300, blank=True)
    msc_class = models.CharField(max_length=500, blank=True)
    acm_class = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Latest known version")
    submitted = models.DateTimeField(null=True, blank=True, help_text="First version")
    updated = models.DateTimeField(null=True, blank=True, help_text="Latest version")
    announced = models.DateField(
        null=True, blank=True, db_index=True, help_text="First daily list it appeared in"
    )
    content_hash = models.CharField(max_length=40, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-announced", "arxiv_id"]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    @cached_property
    def category_codes(self) -> list[str]:
        """Categories in arXiv order (primary first); uses the prefetch cache when present.
        Set it to skip the links altogether (search.service.papers_for)."""
        links = sorted(self.category_links.all(), key=lambda link: link.position)
        return [link.category_id for link in links]


class PaperCategory(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="category_links")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="paper_links")
    position = models.PositiveSmallIntegerField(help_text="0 is the primary category")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["paper", "category"], name="unique_paper_category")
        ]
        indexes = [models.Index(fields=["category", "paper"])]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.category_id}"


class Version(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    submitted = models.DateTimeField()
    size = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["paper", "number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="unique_paper_version")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id}v{self.number}"


class Announcement(models.Model):
    """One appearance of a paper in arXiv's daily lists: new, cross-list or replacement."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="announcements")
    date = models.DateField()
    kind = models.CharField(max_length=8, choices=[(k, k) for k in ANNOUNCE_KINDS])

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "date"], name="unique_paper_announcement")
        ]
        indexes = [models.Index(fields=["date", "paper"])]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.kind} {self.date}"
