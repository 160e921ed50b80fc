from django.apps import AppConfig


class BrowseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.browse"
    verbose_name = "Browsing"
