"""Rate limits for the API, counted in the Django cache (Redis in production)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class LiveRateMixin:
    """Read the rate from the current settings on every request.

    DRF's throttles copy DEFAULT_THROTTLE_RATES into a class attribute at import time, so a
    changed setting (an override in a test, a reloaded configuration) would be ignored.
    """

    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(LiveRateMixin, AnonRateThrottle):
    """Anonymous clients, per IP address (`anon` rate)."""


class UserThrottle(LiveRateMixin, UserRateThrottle):
    """Signed-in users, per account (`user` rate)."""
