from django.apps import AppConfig


class FaqConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.faq"
    verbose_name = "Paper FAQs (LLM)"
