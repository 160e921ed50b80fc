from django.apps import AppConfig


class RelatedConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.related"
    verbose_name = "Related papers"

    def ready(self) -> None:
        from coolpapers.papers.signals import papers_changed
        from coolpapers.related.receivers import relate_changed_papers

        papers_changed.connect(relate_changed_papers, dispatch_uid="related-changed-papers")
