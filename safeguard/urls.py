from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from safeguard.api.api import api
from safeguard.core import views as core_views
from safeguard.core.capabilities import public
from safeguard.identity import views as identity_views
from safeguard.people import work

handler500 = "safeguard.core.views.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("my-work/", work.my_work, name="my_work"),
    path("reports/", core_views.reports, name="reports"),
    path("team-work/", work.team_work, name="team_work"),
    path("team-work/<int:item_id>/reassign/", work.work_reassign, name="work_reassign"),
    path("sign-in/", identity_views.sign_in, name="login"),
    # Signing out needs no capability: anyone signed in (or not) may end their session.
    path("sign-out/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("safeguard.people.urls")),
    path("", include("safeguard.registrations.urls")),
    path("", include("safeguard.assessments.urls")),
    path("", include("safeguard.referrals.urls")),
    path("", include("safeguard.meetings.urls")),
    path("", include("safeguard.engagement.urls")),
    path("", include("safeguard.engagement.public_urls")),
    path("", include("safeguard.notify.urls")),
    path("", include("safeguard.releases.urls")),
    path("", include("safeguard.learning.urls")),
    path("", include("safeguard.equality.urls")),
    path("", include("safeguard.training.urls")),
    path("", include("safeguard.alerts.urls")),
    path("", include("safeguard.identity.urls")),
    path("", include("safeguard.feedback.urls")),
    path("", include("safeguard.feedback.public_urls")),
    path("", include("safeguard.audits.urls")),
    path("", include("safeguard.pathways.urls")),
]
