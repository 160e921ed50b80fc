from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from coolpapers.ops.views import csrf, healthz

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("csrf", csrf, name="csrf"),
    path("api/", include("coolpapers.api.urls")),
    path("", include("search.urls")),
    path("", include("coolpapers.browse.urls")),
    path("", include("coolpapers.related.urls")),  # after browse, which registers arxiv_id
]
