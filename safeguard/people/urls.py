from django.urls import path

from safeguard.people import views

app_name = "people"
urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("search/", views.search, name="search"),
    path("people/<str:crn>/", views.person_detail, name="detail"),
    path("people/<str:crn>/case-summary/", views.case_summary, name="case_summary"),
    path("people/<str:crn>/case-summary/pdf/", views.case_summary_pdf, name="case_summary_pdf"),
    path("people/<str:crn>/details/", views.person_edit_details, name="edit_details"),
    path("people/<str:crn>/access-log/", views.person_access_log, name="access_log"),
]
