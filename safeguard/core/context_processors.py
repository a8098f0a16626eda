from django.urls import reverse

from safeguard.core import registry
from safeguard.core.capabilities import Capability, has_capability

# The service navigation, in order: (text, url name, capability needed or None for everyone
# signed in, other paths that count as this item). Each page checks the same capability, so a
# link is shown exactly when it works. Reports are grouped behind one item (the "Reports" page
# lists those the user may see) so that the navigation fits one row at 1280 px for every role.
NAVIGATION = (
    ("My work", "my_work", None, ()),
    ("Team work", "team_work", Capability.SEE_TEAM_WORK, ()),
    ("Caseload", "people:caseload", None, ("/people/",)),
    ("Search", "people:search", None, ()),
    ("Meetings", "meetings:meetings", None, ()),
    ("Appointments", "engagement:overview", None, ()),
    ("Releases", "releases:board", Capability.SEE_RELEASE_BOARD, ("/releases/",)),
    ("Reports", "reports", None, ()),
    ("Duty rota", "alerts:rota", Capability.MANAGE_DUTY_ROTA, ()),
)

# The reports behind "Reports": (text, url name, capability or None, what it answers).
REPORTS = (
    (
        "Registration problems",
        "registrations:hygiene",
        None,
        "Registrations that break a hygiene rule across the cases you can see.",
    ),
    (
        "Meeting attendance",
        "meetings:meeting_attendance",
        None,
        "Which agencies attend multi-agency meetings, by type of meeting.",
    ),
    (
        "Referral monitoring",
        "referrals:monitoring",
        Capability.SEE_REFERRAL_MONITORING,
        "Referrals by kind, local authority, agency, sex, age and ethnicity, with escalations.",
    ),
    (
        "Release measures",
        "releases:measures",
        Capability.SEE_RELEASE_INSIGHTS,
        "Accommodation and first appointments after release from custody.",
    ),
    (
        "Equal treatment",
        "equality:equality",
        Capability.SEE_REFERRAL_MONITORING,
        "Who is screened, registered, referred, accepted and supported, by sex, ethnicity, age "
        "and local authority, adjusted for need.",
    ),
    (
        "Pathways",
        "pathways:measures",
        Capability.SEE_PATHWAY_MEASURES,
        "Needs identified, pathways offered, taken up and completed, and hospital attendances.",
    ),
    (
        "Feedback from people on probation",
        "feedback:analysis",
        Capability.SEE_FEEDBACK,
        "What people on probation say in surveys, and what was done about it.",
    ),
    (
        "Case audits",
        "audits:exercises",
        Capability.AUDIT_CASES,
        "Samples of cases audited in the inspectorate's way, and their results.",
    ),
    (
        "Learning from deaths",
        "learning:learning",
        Capability.SEE_LEARNING_FROM_DEATHS,
        "Deaths under supervision, reviews, themes and the board pack.",
    ),
    (
        "Training",
        "training:training",
        Capability.SEE_TRAINING_COMPLIANCE,
        "Suicide-prevention and mandatory training compliance.",
    ),
)


def reports_for(user) -> list[dict]:
    """The reports ``user`` may open, for the Reports page."""
    return [
        {"text": text, "href": reverse(name), "description": description}
        for text, name, capability, description in REPORTS
        if capability is None or has_capability(user, capability)
    ]


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"service_navigation": []}
    path = request.path
    counts = dict(registry.navigation_counts)
    items = []
    report_paths = [r["href"] for r in reports_for(user)] if path != "/" else []
    for text, name, capability, also in NAVIGATION:
        if capability is not None and not has_capability(user, capability):
            continue
        href = reverse(name)
        prefixes = (href, *also, *(report_paths if name == "reports" else ()))
        entry = {"text": text, "href": href, "current": path.startswith(prefixes)}
        if count := counts.get(name):
            entry["urgent"] = count(user)
        items.append(entry)
    return {"service_navigation": items}
