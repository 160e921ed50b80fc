from django.urls import path

from coolpapers.personal import library_views

app_name = "library"

urlpatterns = [
    path("library", library_views.collections, name="collections"),
    path("library/<int:pk>", library_views.collection, name="collection"),
    path("library/<int:pk>/delete", library_views.delete, name="delete"),
    path("library/<int:pk>/share", library_views.share, name="share"),
    path("library/<int:pk>/import", library_views.import_file, name="import"),
    path(
        "library/<int:pk>/export.bib", library_views.export, {"kind": "bibtex"}, name="export-bib"
    ),
    path("library/<int:pk>/export.ris", library_views.export, {"kind": "ris"}, name="export-ris"),
    # Paper ids last: old-style ones hold a slash (hep-th/9901001).
    path("library/<int:pk>/note/<path:arxiv_id>", library_views.note, name="note"),
    path("library/<int:pk>/remove/<path:arxiv_id>", library_views.remove, name="remove"),
    path("library/save/<path:arxiv_id>", library_views.save, name="save"),
    path("shared/<str:token>", library_views.shared, name="shared"),
]
