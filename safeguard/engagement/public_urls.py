"""Check-in pages for people on probation (no sign-in). Included at the root of the site."""

from safeguard.engagement.urls import public_urlpatterns as urlpatterns

__all__ = ["urlpatterns"]
