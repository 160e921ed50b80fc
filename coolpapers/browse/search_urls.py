from django.urls import path

from coolpapers.browse import search as views

# The search page (namespace kept: its URL names are "search:…").
app_name = "search"

urlpatterns = [
    path("arxiv/search", views.search_page, name="search"),
    path("arxiv/search/chunk", views.search_chunk, name="chunk"),
    path("arxiv/search/feed", views.search_feed, name="feed"),
]
