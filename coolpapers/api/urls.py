from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import faq, notes, views

app_name = "api"

urlpatterns = [
    path("search", views.SearchView.as_view(), name="search"),
    path("papers/", views.PaperListView.as_view(), name="papers"),
    # Before papers/<id>: "like" is no arXiv id, and this keeps it from being read as one.
    path("papers/like", views.LikeView.as_view(), name="like"),
    re_path(r"^papers/(?P<id>[\s\S]+)/notes$", notes.PaperNotesView.as_view(), name="paper-notes"),
    re_path(r"^papers/(?P<id>[\s\S]+)/faq$", faq.PaperFAQView.as_view(), name="paper-faq"),
    re_path(r"^papers/(?P<id>[\s\S]+)/related$", views.RelatedPapersView.as_view(), name="related"),
    # Anything after papers/: slashes of old-style ids (hep-th/9901001), and even a newline,
    # so a malformed id is the view's JSON 400 rather than the site's HTML 404.
    re_path(r"^papers/(?P<id>[\s\S]+)$", views.PaperDetailView.as_view(), name="paper"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its init script from a URL: no inline script for the CSP to allow.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
]
