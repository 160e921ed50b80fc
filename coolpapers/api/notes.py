"""Staff write a paper's notes (questions answered in Markdown with LaTeX) through the API.

    POST /api/papers/<id>/notes   {"title": ..., "source": ...}        add one note at the end
    PUT  /api/papers/<id>/notes   [{"title": ..., "source": ...}, ...]  replace all, in order

Both answer with the paper's notes as `[{title, source, html}]`, the HTML rendered by the
server (coolpapers.rendering.markdown) exactly as the paper page shows it. Clients send a DRF
token (`Authorization: Token …`), which needs no CSRF token; a browser session works too and
then needs the CSRF header, as DRF's SessionAuthentication enforces. Only staff may write.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.models import Paper
from coolpapers.rendering.models import Note


class NoteSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="body", help_text="Markdown with LaTeX formulas.")
    html = serializers.CharField(
        source="rendered", read_only=True, help_text="The source as HTML, formulas in math spans."
    )

    class Meta:
        model = Note
        fields = ["title", "source", "html"]


def paper_notes(paper: Paper) -> list[dict]:
    return NoteSerializer(paper.notes.order_by("order", "id"), many=True).data


# Staff-only writes are left out of the public OpenAPI document, which describes the read API.
@extend_schema(exclude=True)
class PaperNotesView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAdminUser]

    def paper(self, id: str) -> Paper:
        try:
            arxiv_id = parse_arxiv_id(id).id
        except InvalidArxivId as exc:
            raise ValidationError({"id": [str(exc)]}) from exc
        paper = Paper.objects.filter(pk=arxiv_id).first()
        if paper is None:
            raise NotFound(f"paper {arxiv_id} is not in our database")
        return paper

    def post(self, request: Request, id: str) -> Response:
        paper = self.paper(id)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            last = paper.notes.aggregate(last=Max("order"))["last"]
            serializer.save(paper=paper, author=request.user, order=(last or 0) + 1)
        return Response(paper_notes(paper), status=201)

    def put(self, request: Request, id: str) -> Response:
        paper = self.paper(id)
        serializer = NoteSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            paper.notes.all().delete()
            for order, note in enumerate(serializer.validated_data, start=1):
                Note(paper=paper, author=request.user, order=order, **note).save()
        return Response(paper_notes(paper))
