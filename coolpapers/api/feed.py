"""The API of a reader's feed: their 👍/👎 per profile, the For you ranking with why, and read
marks. Token (`Authorization: Token …`) or session authentication; a reader sees and changes
only their own (another reader's profile is a 404, as one that does not exist).

`profile` is a collection id of the reader's with `is_profile`; left out, their first profile.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coolpapers.interests import foryou
from coolpapers.library.models import Collection, Rating, ReadMark
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.models import Paper, PaperCategory
from coolpapers.related.services import keywords_for

from . import serializers as s
from .pagination import paginate
from .views import RETRY_AFTER, TOO_MANY, validated

# --- parameters and bodies ----------------------------------------------------------------------


class ProfileParameter(serializers.Serializer):
    profile = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**53,
        help_text="A collection id of yours that is an interest profile; default: your first.",
    )


class RatingListParameters(s.PageParameters, ProfileParameter):
    pass


class ForYouParameters(s.PageParameters, ProfileParameter):
    date = s.DayField(
        required=False,
        help_text="The announcement day to rank (new and cross-listed papers); default: latest.",
    )


class RatingBody(serializers.Serializer):
    value = serializers.ChoiceField(
        choices=["up", "down", "1", "-1"], help_text="👍: `up` or 1; 👎: `down` or -1."
    )


class RatingSerializer(serializers.Serializer):
    paper = serializers.CharField(source="paper_id", help_text="arXiv id.")
    profile = serializers.IntegerField(source="collection_id")
    value = serializers.IntegerField(help_text="1 (👍) or -1 (👎).")
    rated_at = serializers.DateTimeField()


class RatingPageSerializer(s.PageSerializer):
    results = RatingSerializer(many=True)


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WhySerializer(serializers.Serializer):
    papers = serializers.ListField(
        child=serializers.CharField(), help_text="The profile's papers this one is closest to."
    )
    words = serializers.ListField(
        child=serializers.CharField(), help_text="The words that weighed most in its score."
    )


class ForYouItemSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 is the best.")
    score = serializers.FloatField(help_text="The profile's score; comparable within one list.")
    why = WhySerializer(allow_null=True)
    rating = serializers.IntegerField(allow_null=True, help_text="Your 1 (👍), -1 (👎) or null.")
    read = serializers.BooleanField(help_text="You marked it read.")
    seen = serializers.BooleanField(help_text="It was on a For you page you saw.")
    paper = s.PaperSerializer()


class ForYouPageSerializer(s.PageSerializer):
    profile = ProfileSerializer()
    date = serializers.DateField(allow_null=True, help_text="The day ranked (null: none yet).")
    results = ForYouItemSerializer(many=True)


class ReadSerializer(serializers.Serializer):
    paper = serializers.CharField()
    read = serializers.BooleanField()


ErrorsSerializer = s.errors_for(ForYouParameters, "ForYouError")
UNAUTHENTICATED = OpenApiResponse(
    s.DetailSerializer, description="No valid token or session (`Authorization: Token …`)."
)
ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="An arXiv id in any form."
)
NOT_FOUND = OpenApiResponse(
    s.DetailSerializer, description="No such paper, or no such profile of yours."
)
BAD = OpenApiResponse(ErrorsSerializer, description="Unusable parameters or body.")


# --- helpers ------------------------------------------------------------------------------------


class FeedView(APIView):
    """Your own data: a token or your session (tokens first, so a missing one is a 401)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]


def _profile(request: Request, profile_id: int | None) -> Collection:
    if profile_id is not None:
        try:
            return foryou.profile_of(request.user, profile_id)
        except foryou.NoSuchProfile as exc:
            raise NotFound(str(exc)) from exc
    profiles = foryou.profiles_of(request.user)
    if not profiles:
        raise NotFound("you have no interest profile: make one of your collections a profile")
    return profiles[0]


def _paper_id(raw: str) -> str:
    try:
        arxiv_id = parse_arxiv_id(raw).id
    except InvalidArxivId as exc:
        raise ValidationError({"id": [str(exc)]}) from exc
    if not Paper.objects.filter(pk=arxiv_id).exists():
        raise NotFound(f"paper {arxiv_id} is not in our database")
    return arxiv_id


# --- views --------------------------------------------------------------------------------------


class RatingListView(FeedView):
    @extend_schema(
        operation_id="ratings_list",
        summary="Your ratings",
        description="Your 👍/👎 in a profile, latest first.",
        parameters=[RatingListParameters, RETRY_AFTER],
        responses={
            200: RatingPageSerializer,
            400: BAD,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["feed"],
    )
    def get(self, request: Request) -> Response:
        params = validated(RatingListParameters, request)
        profile = _profile(request, params.get("profile"))
        ratings = Rating.objects.filter(collection=profile).order_by("-rated_at", "-pk")
        page = paginate(request, ratings, params["page"], params["page_size"])
        return Response(RatingPageSerializer(page).data)


class RatingView(FeedView):
    @extend_schema(
        operation_id="ratings_update",
        summary="Rate a paper",
        description="👍 or 👎 a paper in a profile; the profile's model retrains.",
        parameters=[ID_PARAMETER, ProfileParameter, RETRY_AFTER],
        request=RatingBody,
        responses={
            200: RatingSerializer,
            400: BAD,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["feed"],
    )
    def put(self, request: Request, id: str) -> Response:
        params = validated(ProfileParameter, request)
        body = RatingBody(data=request.data)
        body.is_valid(raise_exception=True)
        paper_id = _paper_id(id)
        profile = _profile(request, params.get("profile"))
        value = foryou.parse_rating(body.validated_data["value"])
        foryou.set_rating(profile, paper_id, value)
        rating = Rating.objects.get(collection=profile, paper_id=paper_id)
        return Response(RatingSerializer(rating).data)

    @extend_schema(
        operation_id="ratings_destroy",
        summary="Remove a rating",
        parameters=[ID_PARAMETER, ProfileParameter, RETRY_AFTER],
        responses={204: None, 400: BAD, 401: UNAUTHENTICATED, 404: NOT_FOUND, 429: TOO_MANY},
        tags=["feed"],
    )
    def delete(self, request: Request, id: str) -> Response:
        params = validated(ProfileParameter, request)
        paper_id = _paper_id(id)
        profile = _profile(request, params.get("profile"))
        foryou.set_rating(profile, paper_id, None)
        return Response(status=204)


class ForYouView(FeedView):
    @extend_schema(
        operation_id="for_you",
        summary="For you",
        description=(
            "A day's papers (new and cross-listed, every category) ranked by a profile, best "
            "first, each with why (the profile's closest papers, the words that weighed most)."
        ),
        parameters=[ForYouParameters, RETRY_AFTER],
        responses={
            200: ForYouPageSerializer,
            400: BAD,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["feed"],
    )
    def get(self, request: Request) -> Response:
        params = validated(ForYouParameters, request)
        profile = _profile(request, params.get("profile"))
        day: date | None = params.get("date") or foryou.latest_day()
        ordered = foryou.ranked_ids(profile, foryou.day_candidates(day)) if day else []
        size = params["page_size"]
        page = paginate(request, ordered, params["page"], size)
        window = list(page.results)
        scored = foryou.explained(profile, window)
        links = PaperCategory.objects.order_by("position")
        papers = Paper.objects.filter(pk__in=window).prefetch_related(
            Prefetch("category_links", queryset=links)
        )
        by_id = {paper.pk: paper for paper in papers}
        ratings = foryou.ratings_of(profile, window)
        read = foryou.read_ids(request.user, window)
        seen = foryou.seen_before(request.user, window, None)
        first = (params["page"] - 1) * size + 1
        results: list[dict[str, Any]] = []
        for offset, pid in enumerate(window):
            if pid not in by_id:
                continue
            found = scored.get(pid)
            why = found.why if found else None
            results.append(
                {
                    "rank": first + offset,
                    "score": found.score if found else 0.0,
                    "why": {"papers": why.papers, "words": why.words} if why else None,
                    "rating": ratings.get(pid),
                    "read": pid in read,
                    "seen": pid in seen,
                    "paper": by_id[pid],
                }
            )
        body = {
            **vars(page),
            "profile": {"id": profile.pk, "name": profile.name},
            "date": day,
            "results": results,
        }
        context = {"request": request, "keywords": keywords_for(window)}
        return Response(ForYouPageSerializer(body, context=context).data)


class ReadView(FeedView):
    @extend_schema(
        operation_id="read_update",
        summary="Mark a paper read",
        parameters=[ID_PARAMETER, RETRY_AFTER],
        request=None,
        responses={
            200: ReadSerializer,
            400: BAD,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["feed"],
    )
    def put(self, request: Request, id: str) -> Response:
        paper_id = _paper_id(id)
        foryou.set_read(request.user, paper_id, True)
        return Response({"paper": paper_id, "read": True})

    @extend_schema(
        operation_id="read_destroy",
        summary="Mark a paper unread",
        parameters=[ID_PARAMETER, RETRY_AFTER],
        responses={204: None, 400: BAD, 401: UNAUTHENTICATED, 404: NOT_FOUND, 429: TOO_MANY},
        tags=["feed"],
    )
    def delete(self, request: Request, id: str) -> Response:
        paper_id = _paper_id(id)
        ReadMark.objects.filter(owner=request.user, paper_id=paper_id).delete()
        return Response(status=204)
