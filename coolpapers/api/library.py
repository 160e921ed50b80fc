"""A reader's library through the API: collections, their papers and notes, export and import.

    GET/POST          /api/collections
    GET/PATCH/DELETE  /api/collections/<id>
    GET/POST          /api/collections/<id>/papers
    PUT/DELETE        /api/collections/<id>/papers/<arXiv id>
    GET               /api/collections/<id>/export?format=bibtex|ris
    POST              /api/collections/<id>/import   (multipart: file)

A program sends its token (`Authorization: Token …`, made on /accounts/data); the site's own
scripts use the session and the CSRF header. Every collection is its owner's alone: another
reader's id is a 404, exactly like a missing one. Input a client can fix is a 400 naming the
field; nothing is stored then.
"""

from __future__ import annotations

import contextlib

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coolpapers.library import citations, services
from coolpapers.library.models import Collection, SavedPaper
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.rendering.markdown import render_markdown

from . import serializers as s
from .pagination import paginate
from .views import RETRY_AFTER, TOO_MANY

TAGS = ["library"]
COLLECTION_ID = OpenApiParameter(
    "collection_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The collection's id."
)
PAPER_ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="An arXiv id in any form: 2503.11677, arXiv:2503.11677v2, hep-th/9901001.",
)
NOT_SIGNED_IN = OpenApiResponse(
    s.DetailSerializer, description="No valid token or session: sign in or send a token."
)
FORBIDDEN = OpenApiResponse(
    s.DetailSerializer, description="A session request without its CSRF token."
)
NOT_YOURS = OpenApiResponse(s.DetailSerializer, description="No such collection of yours.")


def errors(*extra: int, bad_input: bool = True, missing: bool = True) -> dict:
    """The error answers every library operation may give, plus `extra` ones."""
    answers: dict = {401: NOT_SIGNED_IN, 403: FORBIDDEN, 429: TOO_MANY}
    if missing:
        answers[404] = NOT_YOURS
    if bad_input:
        answers[400] = OpenApiResponse(
            OpenApiTypes.OBJECT, description="Refused input: each field with its messages."
        )
    for code in extra:
        answers.setdefault(code, OpenApiResponse(s.DetailSerializer))
    return answers


def refused(error: services.LibraryError) -> ValidationError:
    return ValidationError({error.field: [error.message]})


class CollectionSerializer(serializers.ModelSerializer):
    papers = serializers.IntegerField(
        source="paper_count", read_only=True, help_text="Papers saved in it."
    )
    shared = serializers.SerializerMethodField(help_text="Whether a read-only link exists.")
    share_url = serializers.SerializerMethodField(
        help_text="The read-only link, or null when the collection is private."
    )

    class Meta:
        model = Collection
        fields = [
            "id",
            "name",
            "description",
            "is_profile",
            "keywords",
            "papers",
            "shared",
            "share_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_shared(self, collection: Collection) -> bool:
        return bool(collection.share_token)

    def get_share_url(self, collection: Collection) -> str | None:
        if not collection.share_token:
            return None
        request = self.context.get("request")
        path = f"/shared/{collection.share_token}"
        return request.build_absolute_uri(path) if request else path


class CollectionInputSerializer(serializers.Serializer):
    """What a client may set; each field is checked by coolpapers.library.services."""

    name = serializers.CharField(max_length=services.NAME_LENGTH, required=False)
    description = serializers.CharField(
        max_length=services.DESCRIPTION_LENGTH, required=False, allow_blank=True
    )
    keywords = serializers.CharField(
        max_length=services.KEYWORDS_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Comma-separated keywords that start a profile with no ratings.",
    )
    is_profile = serializers.BooleanField(
        required=False, help_text="An interest profile: ranks For you and sends a digest."
    )
    shared = serializers.BooleanField(
        required=False, help_text="true makes a read-only link; false revokes it."
    )


class SavedPaperSerializer(serializers.ModelSerializer):
    arxiv_id = serializers.CharField(source="paper_id", read_only=True)
    title = serializers.CharField(source="paper.title", read_only=True)
    authors = serializers.ListField(
        source="paper.authors", child=serializers.CharField(), read_only=True
    )
    note_html = serializers.SerializerMethodField(
        help_text="The note as HTML (Markdown, formulas in math spans), as the site shows it."
    )

    class Meta:
        model = SavedPaper
        fields = ["arxiv_id", "title", "authors", "note", "note_html", "added_at", "updated_at"]

    def get_note_html(self, item: SavedPaper) -> str:
        return render_markdown(item.note) if item.note else ""


class SavedPaperPageSerializer(s.PageSerializer):
    results = SavedPaperSerializer(many=True)


class AddPaperSerializer(serializers.Serializer):
    paper = serializers.CharField(max_length=200, help_text="An arXiv id in any form.")
    note = serializers.CharField(
        max_length=services.NOTE_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Markdown with LaTeX; replaces the stored note when given.",
    )


class SavedNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=services.NOTE_LENGTH, allow_blank=True, help_text="Markdown with LaTeX."
    )


class PapersQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(
        min_value=1, default=1, help_text="Page number; past the last page is a 404."
    )
    page_size = serializers.IntegerField(
        min_value=1, max_value=100, default=25, help_text="Papers per page."
    )
    sort = serializers.ChoiceField(
        choices=["added", "date"],
        default="added",
        help_text="added: newest saved first; date: newest paper first.",
    )


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["bibtex", "ris"], default="bibtex")


class ImportFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .bib or .ris file (a Zotero or Mendeley export).")


class ImportReportSerializer(serializers.Serializer):
    entries = serializers.IntegerField(help_text="Entries in the file.")
    added = serializers.ListField(
        child=serializers.CharField(), help_text="arXiv ids of the papers added."
    )
    already_there = serializers.ListField(
        child=serializers.CharField(), help_text="arXiv ids already in the collection."
    )
    not_matched = serializers.ListField(
        child=serializers.CharField(), help_text="Titles of the entries matching no paper we hold."
    )


class LibraryView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def collection(self, request: Request, collection_id: object) -> Collection:
        collection = services.owned(request.user, collection_id)
        if collection is None:
            raise NotFound("no such collection of yours")
        return collection


def request_training(collection: Collection) -> None:
    """Retrain the profile after a bulk change (bulk_create sends no signals)."""
    try:
        from coolpapers.ranking.profiles import request_training as request
    except ImportError:  # pragma: no cover - the ranking engine not built yet
        return
    with contextlib.suppress(NotImplementedError):  # the interface stub, before the engine
        request(collection.pk)


def collection_data(request: Request, collection: Collection) -> dict:
    collection = services.collections_of(request.user).get(pk=collection.pk)
    return CollectionSerializer(collection, context={"request": request}).data


def apply_changes(collection: Collection, data: dict) -> None:
    try:
        services.update_collection(collection, data)
    except services.LibraryError as error:
        raise refused(error) from None
    if "shared" in data:
        if data["shared"]:
            services.share(collection)
        else:
            services.unshare(collection)


class CollectionListView(LibraryView):
    @extend_schema(
        tags=TAGS,
        summary="Your collections",
        parameters=[RETRY_AFTER],
        responses={200: CollectionSerializer(many=True), **errors(bad_input=False, missing=False)},
    )
    def get(self, request: Request) -> Response:
        collections = services.collections_of(request.user)
        return Response(
            CollectionSerializer(collections, many=True, context={"request": request}).data
        )

    @extend_schema(
        tags=TAGS,
        summary="Make a collection",
        parameters=[RETRY_AFTER],
        request=CollectionInputSerializer,
        responses={201: CollectionSerializer, **errors(missing=False)},
    )
    def post(self, request: Request) -> Response:
        given = CollectionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        if "name" not in data:
            raise ValidationError({"name": ["Give the collection a name."]})
        try:
            collection = services.create_collection(
                request.user,
                data["name"],
                description=data.get("description", ""),
                keywords=data.get("keywords", ""),
                is_profile=data.get("is_profile", True),
            )
        except services.LibraryError as error:
            raise refused(error) from None
        if data.get("shared"):
            services.share(collection)
        return Response(collection_data(request, collection), status=status.HTTP_201_CREATED)


class CollectionDetailView(LibraryView):
    @extend_schema(
        tags=TAGS,
        summary="One of your collections",
        parameters=[COLLECTION_ID, RETRY_AFTER],
        responses={200: CollectionSerializer, **errors(bad_input=False)},
    )
    def get(self, request: Request, collection_id: int) -> Response:
        return Response(collection_data(request, self.collection(request, collection_id)))

    @extend_schema(
        tags=TAGS,
        summary="Rename a collection, change its keywords, profile or share link",
        parameters=[COLLECTION_ID, RETRY_AFTER],
        request=CollectionInputSerializer,
        responses={200: CollectionSerializer, **errors()},
    )
    def patch(self, request: Request, collection_id: int) -> Response:
        collection = self.collection(request, collection_id)
        given = CollectionInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        apply_changes(collection, dict(given.validated_data))
        return Response(collection_data(request, collection))

    @extend_schema(
        tags=TAGS,
        summary="Delete a collection with its saved papers, notes and ratings",
        parameters=[COLLECTION_ID, RETRY_AFTER],
        responses={204: None, **errors(bad_input=False)},
    )
    def delete(self, request: Request, collection_id: int) -> Response:
        self.collection(request, collection_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionPapersView(LibraryView):
    @extend_schema(
        tags=TAGS,
        summary="The papers of a collection, with notes",
        parameters=[COLLECTION_ID, PapersQuerySerializer, RETRY_AFTER],
        responses={200: SavedPaperPageSerializer, **errors()},
    )
    def get(self, request: Request, collection_id: int) -> Response:
        collection = self.collection(request, collection_id)
        query = PapersQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        items = services.ordered_items(collection, query.validated_data["sort"]).select_related(
            "paper"
        )
        page = paginate(
            request, items, query.validated_data["page"], query.validated_data["page_size"]
        )
        return Response(
            {
                "count": page.count,
                "next": page.next,
                "previous": page.previous,
                "results": SavedPaperSerializer(page.results, many=True).data,
            }
        )

    @extend_schema(
        tags=TAGS,
        summary="Save a paper in a collection",
        description="Answers 201 when the paper was added, 200 when it was there already.",
        parameters=[COLLECTION_ID, RETRY_AFTER],
        request=AddPaperSerializer,
        responses={201: SavedPaperSerializer, 200: SavedPaperSerializer, **errors()},
    )
    def post(self, request: Request, collection_id: int) -> Response:
        collection = self.collection(request, collection_id)
        given = AddPaperSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            paper = services.paper_by_id(given.validated_data["paper"])
            item, created = services.save_paper(collection, paper, given.validated_data.get("note"))
        except services.LibraryError as error:
            raise refused(error) from None
        return Response(
            SavedPaperSerializer(item).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CollectionPaperView(LibraryView):
    def arxiv_id(self, id: str) -> str:
        try:
            return parse_arxiv_id(id).id
        except InvalidArxivId as exc:
            raise ValidationError({"id": [str(exc)]}) from exc

    @extend_schema(
        tags=TAGS,
        summary="Set the note of a saved paper (saving the paper if it is not there yet)",
        parameters=[COLLECTION_ID, PAPER_ID, RETRY_AFTER],
        request=SavedNoteSerializer,
        responses={200: SavedPaperSerializer, **errors()},
    )
    def put(self, request: Request, collection_id: int, id: str) -> Response:
        collection = self.collection(request, collection_id)
        arxiv_id = self.arxiv_id(id)
        given = SavedNoteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            paper = services.paper_by_id(arxiv_id, "id")
            item, _ = services.save_paper(collection, paper, given.validated_data["note"])
        except services.LibraryError as error:
            if error.field == "id" and "not in our database" in error.message:
                raise NotFound(error.message) from None
            raise refused(error) from None
        return Response(SavedPaperSerializer(item).data)

    @extend_schema(
        tags=TAGS,
        summary="Remove a paper from a collection (its note goes with it)",
        parameters=[COLLECTION_ID, PAPER_ID, RETRY_AFTER],
        responses={204: None, **errors()},
    )
    def delete(self, request: Request, collection_id: int, id: str) -> Response:
        collection = self.collection(request, collection_id)
        if not services.remove_paper(collection, self.arxiv_id(id)):
            raise NotFound("that paper is not in this collection")
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(LibraryView):
    def perform_content_negotiation(self, request: Request, force: bool = False):
        # `format` is this view's own parameter (bibtex|ris), not DRF's renderer override.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=TAGS,
        summary="Export a collection as BibTeX or RIS",
        parameters=[COLLECTION_ID, ExportQuerySerializer, RETRY_AFTER],
        responses={
            (200, "application/x-bibtex"): OpenApiTypes.STR,
            (200, "application/x-research-info-systems"): OpenApiTypes.STR,
            **errors(),
        },
    )
    def get(self, request: Request, collection_id: int) -> HttpResponse:
        collection = self.collection(request, collection_id)
        query = ExportQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return export_response(collection, query.validated_data["format"])


def export_response(collection: Collection, kind: str) -> HttpResponse:
    """The collection as a .bib or .ris download (the library pages answer the same)."""
    body, media, filename = services.export_file(collection, kind)
    response = HttpResponse(body, content_type=f"{media}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ImportView(LibraryView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        summary="Import a BibTeX or RIS file into a collection",
        description=(
            "Entries are matched to papers by arXiv id, then DOI, then title (compared without "
            "case, accents, TeX and punctuation). Matched papers are added once; importing the "
            "same file again adds nothing. A malformed or too big file is refused whole (400) "
            f"and nothing is stored. At most {citations.MAX_IMPORT_BYTES // 1048576} MB."
        ),
        parameters=[COLLECTION_ID, RETRY_AFTER],
        request={"multipart/form-data": ImportFileSerializer},
        responses={200: ImportReportSerializer, **errors()},
    )
    def post(self, request: Request, collection_id: int) -> Response:
        collection = self.collection(request, collection_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(
                {"file": ["Send a .bib or .ris file as the multipart field “file”."]}
            )
        if upload.size > citations.MAX_IMPORT_BYTES:
            limit = citations.MAX_IMPORT_BYTES // 1048576
            raise ValidationError({"file": [f"At most {limit} MB can be imported at once."]})
        try:
            references = citations.read_file(upload.name or "", upload.read())
        except citations.CitationError as error:
            raise ValidationError({"file": [str(error)]}) from None
        report = services.import_references(collection, references)
        if report.added:
            request_training(collection)
        return Response(report.as_dict())
