from django.apps import AppConfig


class LlmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.llm"
    verbose_name = "LLM providers and token budget"
