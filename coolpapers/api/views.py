"""HTTP layer of the REST API: validate parameters, call search.service or the ORM, serialize.

Input a client can fix is a 400 naming the parameter (`{"q": ["unbalanced quote: ..."]}`),
a missing page or paper a 404 with a `detail`, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from coolpapers.interests import like
from coolpapers.interests.pools import like_pool
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.category_spec import CategorySpec, filter_papers
from coolpapers.papers.models import Announcement, Category, Paper, PaperCategory
from coolpapers.related.models import PaperKeywords
from coolpapers.related.services import is_stale, keywords_for, related_papers, stored_keywords
from coolpapers.rendering.models import Note
from coolpapers.semantic.services import NothingToCompare
from search.backends.base import IndexUnavailable
from search.service import SearchInputError, SearchParams, prepare, search, with_highlights

from . import serializers as s
from .pagination import paginate

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the rate limit lets the client in again.",
)
ID_PARAMETER = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=(
        "An arXiv id in any form: 2503.11677, 2503.11677v2, arXiv:2503.11677, "
        "hep-th/9901001 (the slash may be written %2F)."
    ),
)
TOO_MANY = OpenApiResponse(s.DetailSerializer, description="Rate limit exceeded.")
# What a view of one paper answers besides its 200.
ONE_PAPER_ERRORS = {
    400: OpenApiResponse(s.PaperIdErrorSerializer, description="Not an arXiv id."),
    404: OpenApiResponse(s.DetailSerializer, description="Not in our database."),
    429: TOO_MANY,
}


def validated(parameters: type[Serializer], request: Request) -> dict[str, Any]:
    """The query string checked by `parameters`; a ValidationError (400) names each bad one.

    A plain dict, not the QueryDict: DRF would read `?from=` from a QueryDict as "absent",
    and the schema (which fuzzers trust) says a blank value is not a date.
    """
    serializer = parameters(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _with_categories(papers: QuerySet[Paper]) -> QuerySet[Paper]:
    """Category codes for any number of papers in one extra query."""
    links = PaperCategory.objects.order_by("position")
    return papers.prefetch_related(Prefetch("category_links", queryset=links))


def paper_list(spec: CategorySpec | None, day: date | None) -> QuerySet[Paper]:
    """Papers in a category spec and/or on a day's daily lists, newest announcement first."""
    papers = Paper.objects.all()
    if day is not None:
        papers = papers.filter(pk__in=Announcement.objects.filter(date=day).values("paper_id"))
    if spec is not None:
        papers = filter_papers(papers, spec)
    return _with_categories(papers)


class ServiceUnavailable(APIException):
    status_code = 503
    default_detail = "The service is temporarily unavailable."
    default_code = "service_unavailable"


class Conflict(APIException):
    """The request is right but the data is not ready for it (papers not embedded yet)."""

    status_code = 409
    default_detail = "The data needed is not ready yet."
    default_code = "conflict"


class SearchView(APIView):
    @extend_schema(
        operation_id="search",
        summary="Full-text search",
        description=(
            "Papers matching a query, best first or newest first, with the query's words marked "
            "in the title and abstract."
        ),
        parameters=[s.SearchParameters, RETRY_AFTER],
        responses={
            200: s.SearchPageSerializer,
            400: OpenApiResponse(s.SearchErrorSerializer, description="Unusable parameters."),
            404: OpenApiResponse(s.DetailSerializer, description="The page is past the end."),
            429: TOO_MANY,
            503: OpenApiResponse(
                s.DetailSerializer,
                description="The search index is down, or the search ran past its time budget "
                "(SEARCH_TIME_BUDGET); Retry-After says when to try again.",
            ),
        },
        tags=["search"],
    )
    def get(self, request: Request) -> Response:
        params = validated(s.SearchParameters, request)
        try:
            search_request, corrected = prepare(
                SearchParams(
                    q=params["q"],
                    category=params.get("category", ""),
                    date_from=params.get("date_from"),
                    date_to=params.get("date_to"),
                    sort=params["sort"],
                    exact=params["exact"],
                )
            )
            results = search(search_request)
        except SearchInputError as exc:
            raise ValidationError({exc.param: [str(exc)]}) from exc
        except IndexUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from exc
        page = paginate(request, results, params["page"], params["page_size"])
        body = {
            **vars(page),
            "results": with_highlights(search_request, page.results),
            "corrected_query": corrected.text if corrected else None,
            "partial": results.partial,
            "strict_count": results.strict_count,
        }
        keywords = {r.paper.arxiv_id: stored_keywords(r.paper) for r in body["results"]}
        context = {"request": request, "keywords": keywords}
        return Response(s.SearchPageSerializer(body, context=context).data)


class PaperListView(APIView):
    @extend_schema(
        operation_id="papers_list",
        summary="List papers",
        description="Papers by category spec and announcement day, newest announcement first.",
        parameters=[s.PaperListParameters, RETRY_AFTER],
        responses={
            200: s.PaperPageSerializer,
            400: OpenApiResponse(s.PaperListErrorSerializer, description="Unusable parameters."),
            404: OpenApiResponse(s.DetailSerializer, description="The page is past the end."),
            429: TOO_MANY,
        },
        tags=["papers"],
    )
    def get(self, request: Request) -> Response:
        params = validated(s.PaperListParameters, request)
        papers = paper_list(params.get("category"), params.get("date"))
        page = paginate(request, papers, params["page"], params["page_size"])
        context = {"request": request, "keywords": keywords_for(p.arxiv_id for p in page.results)}
        return Response(s.PaperPageSerializer(page, context=context).data)


class PaperDetailView(APIView):
    @extend_schema(
        operation_id="papers_retrieve",
        summary="One paper",
        description="A paper with its versions.",
        parameters=[ID_PARAMETER, RETRY_AFTER],
        responses={200: s.PaperDetailSerializer, **ONE_PAPER_ERRORS},
        tags=["papers"],
    )
    def get(self, request: Request, id: str) -> Response:
        arxiv_id = _paper_id(id)
        papers = _with_categories(Paper.objects.filter(pk=arxiv_id)).prefetch_related(
            "versions", Prefetch("notes", queryset=Note.objects.order_by("order", "id"))
        )
        paper = papers.first()
        if paper is None:
            raise NotFound(f"paper {arxiv_id} is not in our database")
        context = {"request": request, "keywords": keywords_for([arxiv_id])}
        return Response(s.PaperDetailSerializer(paper, context=context).data)


def _paper_id(raw: str) -> str:
    """The canonical id, or a 400 naming the `id` parameter."""
    try:
        return parse_arxiv_id(raw).id
    except InvalidArxivId as exc:
        raise ValidationError({"id": [str(exc)]}) from exc


class RelatedPapersView(APIView):
    @extend_schema(
        operation_id="papers_related",
        summary="Related papers",
        description=(
            "A paper's 20 most related papers, best first, with their BM25 similarity scores "
            "and the paper's keywords. An empty list with `computed: null` means they have "
            "not been computed yet."
        ),
        parameters=[ID_PARAMETER, RETRY_AFTER],
        responses={200: s.RelatedListSerializer, **ONE_PAPER_ERRORS},
        tags=["papers"],
    )
    def get(self, request: Request, id: str) -> Response:
        arxiv_id = _paper_id(id)
        state = PaperKeywords.objects.filter(paper_id=arxiv_id).first()
        if state is None and not Paper.objects.filter(pk=arxiv_id).exists():
            raise NotFound(f"paper {arxiv_id} is not in our database")
        related = related_papers(arxiv_id)  # papers with their categories prefetched
        body = {
            "id": arxiv_id,
            "keywords": state.keywords if state else [],
            "computed": state.computed_at if state else None,
            "stale": is_stale(arxiv_id),
            "signals": (state.signals if state else "bm25").split("+"),
            "count": len(related),
            "results": [{"rank": r.rank, "score": r.score, "paper": r.paper} for r in related],
        }
        context = {"request": request, "keywords": keywords_for(r.paper.pk for r in related)}
        return Response(s.RelatedListSerializer(body, context=context).data)


class LikeView(APIView):
    @extend_schema(
        operation_id="papers_like",
        summary="More like these",
        description=(
            "The papers nearest in meaning to the given ones: by cosine to the mean of their "
            "embeddings (semantic mode), best first, among a daily list (`category`, optional "
            "`date`) or the papers first announced in a range of days (`from` and `to`, "
            f"at most {like.MAX_RANGE_DAYS} days, optionally with `category`). Given papers "
            "not in the database or not embedded yet are reported and left out; the given "
            "papers are never among the results."
        ),
        parameters=[s.LikeParameters, RETRY_AFTER],
        responses={
            200: s.LikeListSerializer,
            400: OpenApiResponse(s.LikeErrorSerializer, description="Unusable parameters."),
            404: OpenApiResponse(
                s.DetailSerializer, description="None of the given papers is in our database."
            ),
            409: OpenApiResponse(
                s.DetailSerializer,
                description="None of the given papers has an embedding yet; retry later.",
            ),
            429: TOO_MANY,
            503: OpenApiResponse(
                s.DetailSerializer,
                description="The site runs in BM25 mode (no embeddings); checked after the "
                "parameters.",
            ),
        },
        tags=["papers"],
    )
    def get(self, request: Request) -> Response:
        params = validated(s.LikeParameters, request)
        if not like.semantic_on():
            raise ServiceUnavailable(
                "more like these needs semantic mode (paper embeddings), and this site runs "
                "on BM25 alone"
            )
        restriction, pool = like_pool(params)
        try:
            found = like.more_like(params["ids"], pool, params["limit"])
        except like.NoSuchPapers as exc:
            raise NotFound(str(exc)) from exc
        except NothingToCompare as exc:
            raise Conflict(str(exc)) from exc
        papers = _with_categories(Paper.objects.filter(pk__in=[pid for pid, _ in found.results]))
        by_id = {paper.pk: paper for paper in papers}
        results = [
            {"rank": rank, "score": score, "paper": by_id[pid]}
            for rank, (pid, score) in enumerate(found.results, start=1)
            if pid in by_id  # a paper deleted meanwhile
        ]
        body = {
            "ids": found.used,
            "missing": found.missing,
            "pending": found.pending,
            "restriction": restriction,
            "count": len(results),
            "results": results,
        }
        context = {"request": request, "keywords": keywords_for(by_id)}
        return Response(s.LikeListSerializer(body, context=context).data)


class CategoryListView(APIView):
    @extend_schema(
        operation_id="categories_list",
        summary="All categories",
        description="arXiv's categories with their archive and subject group.",
        parameters=[RETRY_AFTER],
        responses={200: s.CategorySerializer(many=True), 429: TOO_MANY},
        tags=["categories"],
    )
    def get(self, request: Request) -> Response:
        categories = Category.objects.select_related("archive").order_by("code")
        return Response(s.CategorySerializer(categories, many=True).data)
