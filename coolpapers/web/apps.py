from django.apps import AppConfig


class WebConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.web"
    verbose_name = "Web"

    def ready(self) -> None:
        # The engines say what changed; cached pages show it, so every such change ends them.
        from coolpapers.papers.signals import papers_changed
        from coolpapers.related.signals import related_changed
        from coolpapers.rendering.signals import notes_changed
        from coolpapers.web.page_cache import invalidate

        papers_changed.connect(invalidate, dispatch_uid="page-cache-papers")
        related_changed.connect(invalidate, dispatch_uid="page-cache-related")
        notes_changed.connect(invalidate, dispatch_uid="page-cache-notes")
