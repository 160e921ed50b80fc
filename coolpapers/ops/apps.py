from django.apps import AppConfig


class OpsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from coolpapers.ops.page_cache import invalidate
        from coolpapers.papers.signals import papers_changed
        from coolpapers.rendering.models import Note

        papers_changed.connect(invalidate, dispatch_uid="page-cache-papers")
        post_save.connect(invalidate, sender=Note, dispatch_uid="page-cache-note-saved")
        post_delete.connect(invalidate, sender=Note, dispatch_uid="page-cache-note-deleted")
