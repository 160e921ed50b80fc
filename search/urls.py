from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("arxiv/search", views.search_page, name="search"),
    path("arxiv/search/chunk", views.search_chunk, name="chunk"),
    path("arxiv/search/feed", views.search_feed, name="feed"),
]
