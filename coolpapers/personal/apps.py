from django.apps import AppConfig


class PersonalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.personal"
    verbose_name = "Personal pages: library, For you"
