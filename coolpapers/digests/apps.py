from django.apps import AppConfig


class DigestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.digests"
    verbose_name = "Daily digests by email and private Atom feeds"
