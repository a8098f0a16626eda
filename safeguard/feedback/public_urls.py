"""Survey pages for people on probation (no sign-in), and the public "you said, we did"."""

from django.urls import path

from safeguard.feedback import public_views, views

app_name = "feedback_public"
urlpatterns = [
    path("feedback/thank-you/", public_views.thank_you, name="thank_you"),
    path("feedback/tablet/<str:token>/", public_views.tablet, name="tablet"),
    path("feedback/s/<str:token>/", public_views.start, name="start"),
    path("feedback/s/<str:token>/check/", public_views.check, name="check"),
    path("feedback/s/<str:token>/send/", public_views.send, name="send"),
    path("feedback/s/<str:token>/<str:question>/", public_views.question, name="question"),
    path("you-said-we-did/", views.you_said_we_did_public, name="you_said_we_did"),
    path("you-said-we-did/poster/", views.you_said_we_did_poster, name="poster"),
]
