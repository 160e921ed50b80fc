from django.apps import AppConfig


class SemanticConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coolpapers.semantic"
    verbose_name = "Semantic related papers"

    def ready(self) -> None:
        from coolpapers.related.hooks import register_reranker
        from coolpapers.semantic.services import SemanticReranker

        register_reranker(SemanticReranker())
