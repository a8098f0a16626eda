from django.urls import path

from safeguard.feedback import views

app_name = "feedback"
urlpatterns = [
    path("feedback/", views.analysis_page, name="analysis"),
    path("feedback/figures.csv", views.figures_export, name="figures_export"),
    path("feedback/free-text/", views.free_text_page, name="free_text"),
    path("feedback/import/", views.import_page, name="import"),
    path("feedback/paper/", views.paper_page, name="paper"),
    path("feedback/tablets/", views.tablets_page, name="tablets"),
    path("feedback/tablets/<int:tablet_id>/stop/", views.tablet_stop, name="tablet_stop"),
    path("feedback/contact-requests/", views.contact_requests_page, name="contact_requests"),
    path(
        "feedback/contact-requests/<int:response_id>/contacted/",
        views.contact_record,
        name="contact_record",
    ),
    path("people/<str:crn>/feedback-link/", views.send_link, name="send_link"),
    path("you-said-we-did/manage/", views.actions_page, name="actions"),
    path("you-said-we-did/manage/<int:yswd_id>/", views.action_edit, name="action_edit"),
]
