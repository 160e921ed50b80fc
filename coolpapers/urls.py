from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("coolpapers.api.urls")),
    path("", include("search.urls")),
    path("", include("coolpapers.browse.urls")),
]
