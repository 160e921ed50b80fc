from django.urls import path

from coolpapers.digests import feeds, views

app_name = "digests"

urlpatterns = [
    path("library/<int:collection_id>/digest", views.settings_page, name="settings"),
    path("digests/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("feeds/<str:token>.atom", feeds.profile_feed, name="feed"),
]
