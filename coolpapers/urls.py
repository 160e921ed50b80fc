from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from coolpapers.ops.views import csrf, healthz
from coolpapers.web.language import javascript_catalog, switch_language

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("csrf", csrf, name="csrf"),
    path("language", switch_language, name="language"),
    path("jsi18n/<str:language>.js", javascript_catalog, name="jsi18n"),
    path("api/", include("coolpapers.api.urls")),
    path("accounts/", include("coolpapers.accounts.urls")),
    path("", include("coolpapers.personal.urls")),
    path("", include("coolpapers.digests.urls")),
    path("", include("coolpapers.browse.search_urls")),
    path("", include("coolpapers.browse.urls")),
    path("", include("coolpapers.browse.related_urls")),
]
