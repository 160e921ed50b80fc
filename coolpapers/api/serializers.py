"""What the API reads (query parameters) and writes (papers, hits, categories, errors).

Every response body is produced by one of these serializers and the OpenAPI schema is
generated from the same classes, so the documentation cannot drift from the responses.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coolpapers.api.notes import NoteSerializer
from coolpapers.interests import like
from coolpapers.papers import category_spec
from coolpapers.papers.arxiv_ids import pdf_url
from coolpapers.papers.category_spec import CategorySpec, InvalidSpec, parse_spec
from coolpapers.papers.models import Category, Paper, Version
from search.backends.base import SORTS
from search.query import MAX_QUERY_LENGTH
from search.service import MAX_PAGE_SIZE, MAX_RESULTS, Result

from .pagination import DEFAULT_PAGE_SIZE, reachable

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def category_field(help_text: str) -> serializers.CharField:
    """A category spec parameter. Its characters are in the schema (a `pattern`), so text
    that can never be a spec, such as `0`, is invalid there as here; whether the codes exist
    is checked against the taxonomy (400 naming them)."""
    return serializers.CharField(
        required=False,
        max_length=category_spec.MAX_LENGTH,
        validators=[
            RegexValidator(
                f"^{category_spec._ALLOWED.pattern}$",  # what parse_spec accepts, anchored
                message=(
                    "a category spec is category codes (letters, '.' and '-') or archives "
                    "(math, math.*) joined by ',' or '+', with '-' before an excluded one"
                ),
            )
        ],
        help_text=help_text,
    )


# --- query parameters -----------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.DATE)
class DayField(serializers.Field):
    """A YYYY-MM-DD date and nothing else (`date.fromisoformat` also takes 20250318, 2025-W12)."""

    default_error_messages = {"invalid": "{value!r} is not a date; use YYYY-MM-DD, e.g. 2025-03-18"}

    def to_internal_value(self, data: Any) -> date:
        text = str(data)
        if _ISO_DAY.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.fail("invalid", value=text[:40])

    def to_representation(self, value: date) -> str:
        return value.isoformat()


class PageParameters(serializers.Serializer):
    """Query parameters of a paged list (the base of every list's parameters)."""

    page = serializers.IntegerField(
        min_value=1,
        max_value=MAX_RESULTS,
        default=1,
        help_text=f"Page number, from 1; page * page_size is at most {MAX_RESULTS}.",
    )
    page_size = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=DEFAULT_PAGE_SIZE,
        help_text="Results per page.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not reachable(attrs["page"], attrs["page_size"]):
            raise serializers.ValidationError(
                {
                    "page": [
                        f"only the first {MAX_RESULTS} results can be paged through, and "
                        f"page {attrs['page']} of {attrs['page_size']} would end at result "
                        f"{attrs['page'] * attrs['page_size']}; narrow the query instead"
                    ]
                }
            )
        return attrs


class SearchParameters(PageParameters):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        help_text=(
            'The query: words (all must match), "exact phrases", OR, -exclusion, (grouping), '
            "fields title: abstract: author: comments: journal: doi: id: cat:, and date ranges "
            "such as announced:2025-03-01..2025-03-31."
        ),
    )
    category = category_field(
        "Category spec: `cs.AI,cs.CL` (either), `cs.AI+cs.LG-cs.CY` (minus cs.CY)."
    )
    sort = serializers.ChoiceField(choices=SORTS, default="relevance", help_text="Result order.")
    exact = serializers.BooleanField(
        default=False,
        help_text=(
            "Search the words as typed. Without it a word the index has never seen is replaced "
            "by its spelling correction (see `corrected_query` in the response)."
        ),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        """`from` and `to` are Python keywords, so they cannot be declared as attributes."""
        fields = super().get_fields()
        fields["from"] = DayField(
            required=False, source="date_from", help_text="Announced on or after (YYYY-MM-DD)."
        )
        fields["to"] = DayField(
            required=False, source="date_to", help_text="Announced on or before (YYYY-MM-DD)."
        )
        return fields


class PaperListParameters(PageParameters):
    category = category_field("Only papers in this category spec, e.g. `cs.AI+cs.LG-cs.CY`.")
    date = DayField(
        required=False,
        help_text="Only papers on that day's daily lists (new, cross-listed or replaced).",
    )

    def validate_category(self, value: str) -> CategorySpec:
        """Parsed against arXiv's taxonomy, as the search does."""
        try:
            return parse_spec(value)
        except InvalidSpec as exc:
            raise serializers.ValidationError(str(exc)) from exc


MAX_LIKE_LIMIT = 100


class LikeParameters(serializers.Serializer):
    """More like these: the given papers, and the list or the range of days to search in."""

    ids = serializers.CharField(
        max_length=2000,
        help_text=(
            f"1 to {like.MAX_IDS} arXiv ids separated by commas, in any form "
            "(2503.11677, arXiv:2503.11677v2, hep-th/9901001); repeats count once."
        ),
    )
    category = category_field(
        "A daily list's category spec, e.g. `cs.CV` or `cs.AI+cs.LG-cs.CY`: search that "
        "list (of `date`, or of its latest day). With `from` and `to`: only papers in it."
    )
    date = DayField(
        required=False,
        help_text=(
            "With `category`: the day of the list (new, cross-listed and replaced papers, "
            "as the site's daily list shows them); without it, the list's latest day."
        ),
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIKE_LIMIT, default=25, help_text="Results at most."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        """`from` and `to` are Python keywords, so they cannot be declared as attributes."""
        fields = super().get_fields()
        fields["from"] = DayField(
            required=False,
            source="date_from",
            help_text=(
                "With `to`: search the papers first announced in this range instead of a list "
                f"(at most {like.MAX_RANGE_DAYS} days, both ends included)."
            ),
        )
        fields["to"] = DayField(
            required=False, source="date_to", help_text="The range's last day (YYYY-MM-DD)."
        )
        return fields

    def validate_ids(self, value: str) -> tuple[str, ...]:
        """Canonical ids, as every other view reads them."""
        try:
            return like.parse_paper_ids(value, "ids")
        except like.BadPaperIds as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_category(self, value: str) -> CategorySpec:
        """Parsed against arXiv's taxonomy, as the search and the paper list do."""
        try:
            return parse_spec(value)
        except InvalidSpec as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Exactly one restriction: a list (category, optional date) or a range (from, to)."""
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start is None and end is None:
            if "category" not in attrs:
                reason = "no restriction given" if "date" not in attrs else "date= needs it"
                raise serializers.ValidationError(
                    {
                        "category": [
                            f"{reason}: give category= (a daily list, with an optional date=) "
                            "or from= and to= (a range of announcement days)"
                        ]
                    }
                )
            return attrs
        if "date" in attrs:
            raise serializers.ValidationError(
                {"date": ["give date= (a daily list) or from= and to= (a range), not both"]}
            )
        if start is None or end is None:
            given, other = ("from", "to") if end is None else ("to", "from")
            raise serializers.ValidationError({other: [f"{given}= needs {other}= too"]})
        days = like.range_days(start, end)
        if days < 1:
            raise serializers.ValidationError({"from": ["from= is after to="]})
        if days > like.MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {
                    "to": [
                        f"the range {start.isoformat()} to {end.isoformat()} is {days} days; "
                        f"at most {like.MAX_RANGE_DAYS}"
                    ]
                }
            )
        return attrs


# --- responses ------------------------------------------------------------------------------


_SAMPLE_ID = "0000.00000"


def page_url(serializer: serializers.Serializer, paper: Paper) -> str:
    """The absolute URL of the paper's page on this site (the request gives scheme and host).
    Reversed once per response: every id, old-style slash included, is URL-safe as it is."""
    context = serializer.context
    if "paper_url_prefix" not in context:
        url = context["request"].build_absolute_uri(reverse("browse:paper", args=[_SAMPLE_ID]))
        context["paper_url_prefix"] = url.removesuffix(_SAMPLE_ID)
    return context["paper_url_prefix"] + paper.arxiv_id


def keywords_of(serializer: serializers.Serializer, arxiv_id: str) -> list[str]:
    """From the `keywords` dict the view looked up for the whole page in one query."""
    return serializer.context.get("keywords", {}).get(arxiv_id, [])


KEYWORDS_HELP = (
    "The paper's 10 most characteristic words and two-word phrases, best first "
    "(empty until they are computed)."
)


class PaperSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="arxiv_id", help_text="arXiv id without version.")
    authors = serializers.ListField(child=serializers.CharField())
    categories = serializers.ListField(
        child=serializers.CharField(), source="category_codes", help_text="Primary first."
    )
    primary_category = serializers.CharField(source="primary_category_id")
    version = serializers.IntegerField(help_text="Latest known version.")
    url = serializers.SerializerMethodField(help_text="The paper's page on this site.")
    pdf_url = serializers.SerializerMethodField(help_text="The latest version's PDF on arXiv.")
    keywords = serializers.SerializerMethodField(help_text=KEYWORDS_HELP)

    class Meta:
        model = Paper
        fields = [
            "id",
            "title",
            "authors",
            "abstract",
            "categories",
            "primary_category",
            "comments",
            "journal_ref",
            "doi",
            "license",
            "version",
            "submitted",
            "updated",
            "announced",
            "url",
            "pdf_url",
            "keywords",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, paper: Paper) -> str:
        return page_url(self, paper)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_keywords(self, paper: Paper) -> list[str]:
        return keywords_of(self, paper.arxiv_id)

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, paper: Paper) -> str:
        return pdf_url(paper.arxiv_id)


class VersionSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="number")

    class Meta:
        model = Version
        fields = ["version", "submitted", "size"]
        read_only_fields = fields


class PaperDetailSerializer(PaperSerializer):
    versions = VersionSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True, help_text="Staff notes, source and HTML.")

    class Meta(PaperSerializer.Meta):
        fields = [*PaperSerializer.Meta.fields, "versions", "notes"]
        read_only_fields = fields


class HighlightsSerializer(serializers.Serializer):
    title = serializers.CharField(
        source="title_html", help_text="HTML: escaped text, matches in <mark>, formulas intact."
    )
    abstract = serializers.CharField(source="abstract_html", help_text="HTML, as the title.")


class SearchHitSerializer(serializers.Serializer):
    id = serializers.CharField(source="paper.arxiv_id")
    title = serializers.CharField(source="paper.title")
    authors = serializers.ListField(child=serializers.CharField(), source="paper.authors")
    abstract = serializers.CharField(source="paper.abstract")
    categories = serializers.ListField(
        child=serializers.CharField(), source="paper.category_codes", help_text="Primary first."
    )
    primary_category = serializers.CharField(source="paper.primary_category_id")
    submitted = serializers.DateTimeField(source="paper.submitted", allow_null=True)
    updated = serializers.DateTimeField(source="paper.updated", allow_null=True)
    announced = serializers.DateField(source="paper.announced", allow_null=True)
    score = serializers.FloatField(source="hit.score", help_text="Relevance (BM25F).")
    highlights = HighlightsSerializer(source="*")
    url = serializers.SerializerMethodField(help_text="The paper's page on this site.")
    keywords = serializers.SerializerMethodField(help_text=KEYWORDS_HELP)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, result: Result) -> str:
        return page_url(self, result.paper)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_keywords(self, result: Result) -> list[str]:
        return keywords_of(self, result.paper.arxiv_id)

    def to_representation(self, result: Result) -> dict[str, Any]:
        """The declared fields in order, without DRF's per-field machinery: a search page is
        the API's hot path, and this halves its serialization (the schema tests check it)."""
        paper, fields = result.paper, self.fields
        return {
            "id": paper.arxiv_id,
            "title": paper.title,
            "authors": list(paper.authors),
            "abstract": paper.abstract,
            "categories": list(paper.category_codes),
            "primary_category": paper.primary_category_id,
            **{
                name: None if value is None else fields[name].to_representation(value)
                for name, value in (
                    ("submitted", paper.submitted),
                    ("updated", paper.updated),
                    ("announced", paper.announced),
                )
            },
            "score": float(result.hit.score),
            "highlights": {"title": str(result.title_html), "abstract": str(result.abstract_html)},
            "url": self.get_url(result),
            "keywords": self.get_keywords(result),
        }


class PageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Results in total (not all may be reachable).")
    next = serializers.URLField(allow_null=True, help_text="The next page, if any.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, if any.")


class SearchPageSerializer(PageSerializer):
    corrected_query = serializers.CharField(
        allow_null=True,
        help_text=(
            "The query searched instead of `q`, its misspelt words corrected; null when `q` was "
            "searched as given. Ask again with `exact=true` to search `q` itself."
        ),
    )
    partial = serializers.BooleanField(
        help_text=(
            "True when too few papers have every word of the query: the first `strict_count` "
            "results have all of them (relevance order), the rest most of them."
        )
    )
    strict_count = serializers.IntegerField(
        help_text="How many of the `count` results have every word of the query."
    )
    results = SearchHitSerializer(many=True)


class PaperPageSerializer(PageSerializer):
    results = PaperSerializer(many=True)


class RelatedItemSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 is the most similar.")
    score = serializers.FloatField(
        help_text=(
            "How similar, comparable within one list only: the BM25 score of the source "
            "paper's keywords and text against this paper, or with signals "
            "['bm25', 'embedding'] the fused reciprocal-rank score."
        )
    )
    paper = PaperSerializer()


class RelatedListSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The source paper.")
    keywords = serializers.ListField(child=serializers.CharField(), help_text=KEYWORDS_HELP)
    computed = serializers.DateTimeField(
        allow_null=True, help_text="When the list was computed (null: not yet)."
    )
    stale = serializers.BooleanField(
        help_text="The paper or the corpus changed since; a recomputation is due."
    )
    signals = serializers.ListField(
        child=serializers.CharField(), help_text="What the similarity used, e.g. ['bm25']."
    )
    count = serializers.IntegerField()
    results = RelatedItemSerializer(many=True)


class LikeItemSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 is the nearest.")
    score = serializers.FloatField(
        help_text="Cosine of this paper's embedding and the mean embedding of the given papers."
    )
    paper = PaperSerializer()


class LikeRestrictionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["list", "range"], help_text="A daily list (category, date) or a range of days."
    )
    category = serializers.CharField(
        allow_null=True, help_text="The category spec, canonical (null: every category)."
    )
    date = serializers.DateField(
        allow_null=True,
        help_text="The list's day (null for a range, or for a list with no day yet).",
    )
    pool = serializers.IntegerField(help_text="Papers in the list or range.")

    def get_fields(self) -> dict[str, serializers.Field]:
        """`from` and `to`, as in the parameters."""
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            allow_null=True, source="date_from", help_text="The range's first day (null: a list)."
        )
        fields["to"] = serializers.DateField(
            allow_null=True, source="date_to", help_text="The range's last day (null: a list)."
        )
        return fields


class LikeListSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.CharField(),
        help_text="The given papers used (those with an embedding), canonical, as given.",
    )
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Given ids that are not in our database."
    )
    pending = serializers.ListField(
        child=serializers.CharField(),
        help_text="Given papers whose embedding is not computed yet (not used).",
    )
    restriction = LikeRestrictionSerializer()
    count = serializers.IntegerField()
    results = LikeItemSerializer(many=True, help_text="Nearest first; never a given paper.")


class CategorySerializer(serializers.ModelSerializer):
    archive = serializers.CharField(source="archive_id")
    group = serializers.CharField(source="archive.group", help_text="Subject group.")

    class Meta:
        model = Category
        fields = ["code", "name", "archive", "group", "active"]
        read_only_fields = fields


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong.")


def errors_for(parameters: type[serializers.Serializer], name: str) -> type:
    """The 400 body: each rejected parameter with its messages, as DRF's ValidationError."""
    messages = {
        field: serializers.ListField(child=serializers.CharField(), required=False)
        for field in parameters().fields
    }
    return type(name, (serializers.Serializer,), {**messages, "__module__": __name__})


SearchErrorSerializer = errors_for(SearchParameters, "SearchError")
PaperListErrorSerializer = errors_for(PaperListParameters, "PaperListError")
LikeErrorSerializer = errors_for(LikeParameters, "LikeError")


class PaperIdErrorSerializer(serializers.Serializer):
    id = serializers.ListField(child=serializers.CharField())
