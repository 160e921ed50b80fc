from django.apps import AppConfig


class SemanticConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.semantic"
    verbose_name = "Semantic related papers"
