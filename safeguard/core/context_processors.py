from django.urls import reverse

from safeguard.core.models import Role
from safeguard.learning.insights import LEARNING_ROLES
from safeguard.learning.training import COMPLIANCE_ROLES as TRAINING_ROLES
from safeguard.referrals.insights import MONITORING_ROLES
from safeguard.releases.selectors import BOARD_ROLES as RELEASE_BOARD_ROLES


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"service_navigation": []}
    items = [
        ("My work", reverse("my_work")),
        ("Caseload", reverse("people:caseload")),
        ("Search", reverse("people:search")),
    ]
    if user.role == Role.SENIOR_PROBATION_OFFICER:
        items.insert(1, ("Team work", reverse("team_work")))
    items.append(("Registration problems", reverse("registrations:hygiene")))
    items.append(("Meetings", reverse("referrals:meetings")))
    items.append(("Appointments", reverse("engagement:overview")))
    if user.role in RELEASE_BOARD_ROLES:
        items.append(("Release board", reverse("releases:board")))
    if user.role in MONITORING_ROLES:
        items.append(("Referral monitoring", reverse("referrals:monitoring")))
    if user.role in LEARNING_ROLES:
        items.append(("Learning from deaths", reverse("learning:learning")))
    if user.role in TRAINING_ROLES:
        items.append(("Training", reverse("learning:training")))
    path = request.path
    return {
        "service_navigation": [
            {"text": text, "href": href, "current": path.startswith(href)} for text, href in items
        ]
    }
