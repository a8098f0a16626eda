from django.urls import path

from safeguard.audits import views

app_name = "audits"
urlpatterns = [
    path("audits/", views.exercises_page, name="exercises"),
    path("audits/new/", views.exercise_new, name="new"),
    path("audits/<int:exercise_id>/", views.exercise_page, name="exercise"),
    path("audits/<int:exercise_id>/cases/<int:audit_case_id>/", views.case_page, name="case"),
    path(
        "audits/<int:exercise_id>/cases/<int:audit_case_id>/resolve/",
        views.case_resolve,
        name="resolve",
    ),
    path("audits/<int:exercise_id>/results/", views.results_page, name="results"),
    path(
        "audits/<int:exercise_id>/results.<str:fmt>",
        views.results_export,
        name="results_export",
    ),
]
