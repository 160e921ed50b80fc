from django.apps import AppConfig


class RenderingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.rendering"
    verbose_name = "Rendering"
