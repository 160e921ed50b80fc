from django.apps import AppConfig


class InterestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.interests"
    verbose_name = "Interests"
