from django.urls import include, path

urlpatterns = [
    path("", include("coolpapers.personal.library_urls")),
    path("", include("coolpapers.personal.foryou_urls")),
]
