from django.apps import AppConfig


class RankingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.ranking"
    verbose_name = "Interest profiles: a model per profile trained on its ratings"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from coolpapers.library.models import Collection, Rating, SavedPaper
        from coolpapers.ranking import receivers

        for model in (Rating, SavedPaper):
            name = model.__name__.lower()
            post_save.connect(receivers.item_changed, sender=model, dispatch_uid=f"rank-{name}")
            post_delete.connect(
                receivers.item_changed, sender=model, dispatch_uid=f"rank-{name}-gone"
            )
        post_save.connect(
            receivers.collection_saved, sender=Collection, dispatch_uid="rank-collection"
        )
