from django.apps import AppConfig


class JobsConfig(AppConfig):
    """What every kind of background job shares: no models, so no tables of its own."""

    name = "coolpapers.jobs"
    verbose_name = "Jobs"
