from django.apps import AppConfig


class LibraryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.library"
    verbose_name = "Your library: collections, saved papers, notes, ratings, read marks"
