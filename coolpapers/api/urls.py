from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import faq, feed, library, notes, views

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
    # A reader's library (coolpapers/api/library.py). Any collection id reaches the view, so
    # a malformed one (-1, x) is its JSON 401/404 rather than the site's HTML 404.
    path("collections", library.CollectionListView.as_view(), name="collections"),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)$",
        library.CollectionDetailView.as_view(),
        name="collection",
    ),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/papers$",
        library.CollectionPapersView.as_view(),
        name="collection-papers",
    ),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/papers/(?P<id>[\s\S]+)$",
        library.CollectionPaperView.as_view(),
        name="collection-paper",
    ),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/export$",
        library.ExportView.as_view(),
        name="collection-export",
    ),
    re_path(
        r"^collections/(?P<collection_id>[^/]+)/import$",
        library.ImportView.as_view(),
        name="collection-import",
    ),
    # A reader's feed (coolpapers/api/feed.py): ratings, For you, read marks.
    path("ratings", feed.RatingListView.as_view(), name="ratings"),
    re_path(r"^ratings/(?P<id>[\s\S]+)$", feed.RatingView.as_view(), name="rating"),
    path("for-you", feed.ForYouView.as_view(), name="for-you"),
    re_path(r"^read/(?P<id>[\s\S]+)$", feed.ReadView.as_view(), name="read"),
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
