from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from coolpapers.papers.signals import papers_changed
        from search.receivers import index_changed_papers

        papers_changed.connect(index_changed_papers, dispatch_uid="search-index-changed-papers")
