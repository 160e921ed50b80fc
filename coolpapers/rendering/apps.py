from django.apps import AppConfig


class RenderingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.rendering"
    verbose_name = "Rendering"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from coolpapers.rendering.models import Note
        from coolpapers.rendering.signals import notes_changed

        def changed(sender: type[Note], instance: Note, **kwargs: object) -> None:
            notes_changed.send(sender=Note, paper_ids=[instance.paper_id])

        post_save.connect(changed, sender=Note, dispatch_uid="notes-changed-saved", weak=False)
        post_delete.connect(changed, sender=Note, dispatch_uid="notes-changed-deleted", weak=False)
