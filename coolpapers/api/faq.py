"""A paper's FAQ through the API.

    GET  /api/papers/<id>/faq?lang=en|zh-hans   200 the stored answer (or a failure to retry),
                                                202 {status, status_url} while it is written,
                                                404 when nobody asked for it
    POST /api/papers/<id>/faq?lang=…            ask for it: 202 queued (or 200 if stored);
                                                429 over the day's token budget, 503 no model

Throttled like the rest of the API (AnonThrottle, UserThrottle); anonymous clients need no
CSRF token. Polling the status URL costs one indexed row read.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FaqStatus
from coolpapers.llm import base
from coolpapers.papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from coolpapers.papers.models import Paper
from coolpapers.web.client import client_address

from . import serializers as s
from .views import RETRY_AFTER


class FAQSerializer(serializers.ModelSerializer):
    paper = serializers.CharField(source="paper_id", help_text="The arXiv id.")
    html = serializers.CharField(
        source="rendered", help_text="The Markdown as HTML, formulas in math spans."
    )
    generated_at = serializers.DateTimeField(
        source="finished_at", allow_null=True, help_text="When the answer was finished."
    )
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = FAQ
        fields = [
            "paper",
            "version",
            "language",
            "status",
            "markdown",
            "html",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "sources",
            "error",
            "generated_at",
            "status_url",
        ]

    def get_status_url(self, faq: FAQ) -> str:
        return status_url(self.context["request"], faq)


class FAQPendingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["queued", "generating"])
    status_url = serializers.CharField(help_text="Poll this URL until it answers 200.")


class FAQInputErrorSerializer(serializers.Serializer):
    id = serializers.ListField(child=serializers.CharField(), required=False)
    lang = serializers.ListField(child=serializers.CharField(), required=False)


class FAQRequestErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Why no answer can be written now.")


def status_url(request: Request, faq: FAQ) -> str:
    path = reverse("api:paper-faq", args=[faq.paper_id])
    return request.build_absolute_uri(f"{path}?lang={faq.language}")


class ServiceUnavailable(APIException):
    status_code = 503
    default_detail = "The FAQ cannot be written now."


class OverBudget(APIException):
    status_code = 429
    default_detail = "Today's token budget is spent."


LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=list(services.LANGUAGES),
    description="The language of the answers (default en).",
)
ID = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="An arXiv id in any form."
)
ERRORS = {
    400: OpenApiResponse(FAQInputErrorSerializer, description="Not an arXiv id, or a bad lang."),
    404: OpenApiResponse(s.DetailSerializer, description="No such paper, or no FAQ asked for."),
}


class PaperFAQView(APIView):
    def _paper_language(self, request: Request, id: str) -> tuple[Paper, str]:
        try:
            arxiv_id = parse_arxiv_id(id).id
        except InvalidArxivId as exc:
            raise ValidationError({"id": [str(exc)]}) from exc
        language = request.query_params.get("lang", "en")
        if language not in services.LANGUAGES:
            raise ValidationError({"lang": [f"one of {', '.join(services.LANGUAGES)}"]})
        paper = Paper.objects.filter(pk=arxiv_id).first()
        if paper is None:
            raise NotFound(f"paper {arxiv_id} is not in our database")
        return paper, language

    def _answer(self, request: Request, faq: FAQ) -> Response:
        if faq.status in (FaqStatus.QUEUED, FaqStatus.GENERATING):
            body = {"status": faq.status, "status_url": status_url(request, faq)}
            return Response(body, status=202, headers={"Retry-After": "1"})
        return Response(FAQSerializer(faq, context={"request": request}).data)

    @extend_schema(
        operation_id="papers_faq_retrieve",
        summary="A paper's FAQ",
        description=(
            "Six questions about the paper answered by a language model, as Markdown with "
            "LaTeX and as HTML. 202 while the answer is written (poll `status_url`); 404 when "
            "nobody asked for it (POST to ask). A failed answer is a 200 with status `failed`."
        ),
        parameters=[ID, LANG, RETRY_AFTER],
        responses={
            200: FAQSerializer,
            202: FAQPendingSerializer,
            **ERRORS,
            429: OpenApiResponse(s.DetailSerializer, description="Rate limit exceeded."),
        },
        tags=["papers"],
    )
    def get(self, request: Request, id: str) -> Response:
        paper, language = self._paper_language(request, id)
        faq = services.find(paper, language)
        if faq is None:
            raise NotFound(f"no FAQ of {paper.arxiv_id} in {language} was asked for; POST to ask")
        return self._answer(request, faq)

    @extend_schema(
        operation_id="papers_faq_create",
        summary="Ask for a paper's FAQ",
        description=(
            "Queues the FAQ (today's papers first) and answers 202 with its `status_url`; a "
            "stored one is a 200 at once, and a failed one is queued again."
        ),
        parameters=[ID, LANG, RETRY_AFTER],
        request=None,
        responses={
            200: FAQSerializer,
            202: FAQPendingSerializer,
            **ERRORS,
            429: OpenApiResponse(
                FAQRequestErrorSerializer,
                description="Rate limit exceeded, or today's token budget is spent.",
            ),
            503: OpenApiResponse(
                FAQRequestErrorSerializer,
                description="No language model is configured, or it is down.",
            ),
        },
        tags=["papers"],
    )
    def post(self, request: Request, id: str) -> Response:
        paper, language = self._paper_language(request, id)
        try:
            faq = services.request(paper, language, client_address(request.META))
        except base.BudgetExceeded as exc:
            raise OverBudget(str(exc)) from exc
        except base.ProviderError as exc:
            raise ServiceUnavailable(str(exc)) from exc
        return self._answer(request, faq)
