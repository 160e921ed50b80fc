from django.urls import path

from coolpapers.personal import foryou_views

app_name = "foryou"

urlpatterns = [
    path("for-you", foryou_views.page, name="page"),
    path("for-you/<int:profile>", foryou_views.profile_page, name="profile"),
    path("for-you/<int:profile>/chunk", foryou_views.chunk, name="chunk"),
    path("for-you/<int:profile>/catch-up", foryou_views.catch_up, name="catch-up"),
    path(
        "for-you/<int:profile>/catch-up/chunk",
        foryou_views.catch_up_chunk,
        name="catch-up-chunk",
    ),
    # Old-style ids have a slash (hep-th/9901001).
    path("for-you/rate/<path:arxiv_id>", foryou_views.rate, name="rate"),
    path("for-you/read/<path:arxiv_id>", foryou_views.read, name="read"),
]
