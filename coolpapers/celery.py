"""The Celery app; tasks live in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")

app = Celery("coolpapers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
