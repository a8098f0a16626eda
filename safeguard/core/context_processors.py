from django.urls import reverse

from safeguard.core import registry
from safeguard.core.capabilities import Capability, has_capability

# The service navigation, in order: (text, url name, capability needed or None for everyone
# signed in). Each page checks the same capability, so a link is shown exactly when it works.
NAVIGATION = (
    ("My work", "my_work", None),
    ("Team work", "team_work", Capability.SEE_TEAM_WORK),
    ("Caseload", "people:caseload", None),
    ("Search", "people:search", None),
    ("Registration problems", "registrations:hygiene", None),
    ("Meetings", "meetings:meetings", None),
    ("Appointments", "engagement:overview", None),
    ("Release board", "releases:board", Capability.SEE_RELEASE_BOARD),
    ("Referral monitoring", "referrals:monitoring", Capability.SEE_REFERRAL_MONITORING),
    ("Equal treatment", "equality:equality", Capability.SEE_REFERRAL_MONITORING),
    ("Learning from deaths", "learning:learning", Capability.SEE_LEARNING_FROM_DEATHS),
    ("Training", "training:training", Capability.SEE_TRAINING_COMPLIANCE),
    ("Duty rota", "alerts:rota", Capability.MANAGE_DUTY_ROTA),
    ("Feedback", "feedback:analysis", Capability.SEE_FEEDBACK),
    ("Case audits", "audits:exercises", Capability.AUDIT_CASES),
)


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"service_navigation": []}
    path = request.path
    counts = dict(registry.navigation_counts)
    items = []
    for text, name, capability in NAVIGATION:
        if capability is not None and not has_capability(user, capability):
            continue
        href = reverse(name)
        entry = {"text": text, "href": href, "current": path.startswith(href)}
        if count := counts.get(name):
            entry["urgent"] = count(user)
        items.append(entry)
    return {"service_navigation": items}
