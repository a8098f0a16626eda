# Multi-agency meetings: filled in by safeguard/referrals/meetings_views.py.
urlpatterns = []
