from django.urls import path

from coolpapers.browse import converters
from coolpapers.browse import related as views

converters.register()

app_name = "related"

# The related page (namespace kept: its URL names are "related:…").
urlpatterns = [
    path("arxiv/<arxiv_id:arxiv_id>/related", views.related, name="related"),
    path("arxiv/<arxiv_id:arxiv_id>/related/chunk", views.related_chunk, name="chunk"),
    path("interests", views.interests, name="interests"),
]
