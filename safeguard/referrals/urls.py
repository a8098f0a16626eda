from django.urls import path

from safeguard.referrals import views

app_name = "referrals"
urlpatterns = [
    path("people/<str:crn>/referrals/new/", views.referral_new, name="new"),
    path("people/<str:crn>/referrals/new/<str:kind>/", views.referral_new_kind, name="new_kind"),
    path("people/<str:crn>/referrals/new/<str:kind>/check/", views.referral_check, name="check"),
    path("people/<str:crn>/referrals/<int:referral_id>/", views.referral_detail, name="detail"),
    path(
        "people/<str:crn>/referrals/<int:referral_id>/change/",
        views.referral_draft_edit,
        name="draft_edit",
    ),
    path(
        "people/<str:crn>/referrals/<int:referral_id>/change/check/",
        views.referral_draft_check,
        name="draft_check",
    ),
    path(
        "people/<str:crn>/referrals/<int:referral_id>/referral.pdf",
        views.referral_pdf,
        name="pdf",
    ),
    path(
        "people/<str:crn>/referrals/<int:referral_id>/escalations/<int:escalation_id>/resolve/",
        views.escalation_resolve,
        name="resolve",
    ),
    path(
        "people/<str:crn>/referrals/<int:referral_id>/<str:action>/",
        views.referral_action,
        name="action",
    ),
    path("insights/referrals/", views.monitoring, name="monitoring"),
    path("insights/referrals/export.<str:fmt>", views.monitoring_export, name="export"),
]
