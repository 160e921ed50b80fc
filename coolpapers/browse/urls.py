from django.urls import path

from coolpapers.browse import converters, faq, views

converters.register()

app_name = "browse"

urlpatterns = [
    path("", views.home, name="home"),
    path("arxiv/<arxiv_id:arxiv_id>", views.paper_page, name="paper"),
    path("arxiv/<arxiv_id:arxiv_id>/bibtex", views.bibtex, name="bibtex"),
    path("arxiv/<arxiv_id:arxiv_id>/star", views.star, name="star"),
    path("arxiv/<arxiv_id:arxiv_id>/faq", faq.faq_page, name="faq"),
    path("arxiv/<arxiv_id:arxiv_id>/faq/fragment", faq.faq_fragment, name="faq-fragment"),
    path("arxiv/<category_spec:spec>", views.daily_list, name="list"),
    path("arxiv/<category_spec:spec>/chunk", views.daily_chunk, name="chunk"),
    path("arxiv/<category_spec:spec>/feed", views.feed, name="feed"),
]
