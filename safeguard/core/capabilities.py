"""Capabilities: what a role may do, read from ``capabilities.toml``.

Every page and API operation declares the capability it needs with ``@requires(...)`` (or
``@public`` for the few that need no sign-in); a test walks every route and fails on one that
declares nothing. Services ask ``has_capability`` before they change anything, through the
gate in ``safeguard.people.gate``.
"""

import functools
import tomllib
from enum import StrEnum
from pathlib import Path

from safeguard.core.errors import NotPermitted


class Capability(StrEnum):
    READ_CASES = "read_cases"  # see the cases in one's scope, and the work about them
    CHANGE_CASES = "change_cases"  # change anything about a person
    READ_ACCESS_LOG = "read_access_log"
    SEE_TEAM_WORK = "see_team_work"
    # Give a work item in one's teams to another practitioner of the team (SPOs, heads of PDU)
    REASSIGN_WORK = "reassign_work"
    SEE_RELEASE_BOARD = "see_release_board"
    SEE_RELEASE_INSIGHTS = "see_release_insights"
    SEE_REFERRAL_MONITORING = "see_referral_monitoring"
    SEE_LEARNING_FROM_DEATHS = "see_learning_from_deaths"
    # Record which board a board pack was shared with, and what the board decided.
    RECORD_BOARD_PACKS = "record_board_packs"
    APPROVE_TRAVEL = "approve_travel"
    REVIEW_DEATHS = "review_deaths"
    QUALITY_ASSURE_REVIEWS = "quality_assure_reviews"
    SEE_TRAINING_COMPLIANCE = "see_training_compliance"
    SEE_PRACTITIONER_TRAINING = "see_practitioner_training"
    RECORD_TRAINING = "record_training"
    # Answer an escalation one holds: the national lead holds the top of the ladder without
    # changing cases otherwise.
    RESOLVE_ESCALATIONS = "resolve_escalations"
    # Say who is the duty officer out of office hours, for one's teams or PDU (safeguard.alerts).
    MANAGE_DUTY_ROTA = "manage_duty_rota"
    # Feedback from people on probation (safeguard.feedback): the figures and free text for
    # one's area; entering paper forms; loading files; office tablets; "you said, we did".
    SEE_FEEDBACK = "see_feedback"
    ENTER_FEEDBACK = "enter_feedback"
    IMPORT_FEEDBACK = "import_feedback"
    SET_UP_FEEDBACK_TABLETS = "set_up_feedback_tablets"
    RECORD_YOU_SAID_WE_DID = "record_you_said_we_did"
    # Case audits (safeguard.audits): run an exercise (draw the sample, assign auditors) and
    # answer the audit tool on a case one is assigned to.
    MANAGE_AUDITS = "manage_audits"
    AUDIT_CASES = "audit_cases"
    # Record the SPO's decision on reducing contact where the probation reset safeguard applies.
    DECIDE_CONTACT_REDUCTION = "decide_contact_reduction"
    # See pathway measures (needs, offers, take-up, health) across the caseload (safeguard.pathways).
    SEE_PATHWAY_MEASURES = "see_pathway_measures"


# Routes for people who are not signed in (check-in links, health checks, the sign-in page,
# Notify's callbacks, which authenticate themselves).
PUBLIC = "public"

_TABLE = Path(__file__).with_name("capabilities.toml")


def _load() -> dict[str, frozenset[Capability]]:
    with _TABLE.open("rb") as handle:
        data = tomllib.load(handle)
    table = {}
    for role, entry in data["roles"].items():
        table[role] = frozenset(Capability(name) for name in entry["capabilities"])
    return table


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = _load()


def capabilities_of(user) -> frozenset[Capability]:
    """Deny by default: anonymous, inactive or role-less users hold nothing."""
    if not (user and getattr(user, "is_authenticated", False) and user.is_active):
        return frozenset()
    return ROLE_CAPABILITIES.get(getattr(user, "role", "") or "", frozenset())


def has_capability(user, capability: Capability) -> bool:
    return capability in capabilities_of(user)


def roles_with(capability: Capability) -> frozenset[str]:
    return frozenset(role for role, caps in ROLE_CAPABILITIES.items() if capability in caps)


def require_capability(user, capability: Capability, message: str | None = None) -> None:
    if not has_capability(user, capability):
        raise NotPermitted(message)


def requires(capability: Capability):
    """Declare and enforce the capability a page or API operation needs (403 without it).

    Works on Django views and on django-ninja operations alike: both take ``request`` first,
    and ninja's token authentication has set ``request.user`` before the handler runs.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_capability(request.user, capability):
                # Logged like any other refusal: probing for pages one's role lacks is seen.
                from safeguard.core.audit import Channel, access_log_refusal

                api = request.path.startswith("/api/")
                access_log_refusal(
                    actor=request.user if request.user.is_authenticated else None,
                    channel=Channel.API if api else Channel.WEB,
                    detail=f"{request.resolver_match.url_name if request.resolver_match else ''}"
                    f": needs {capability}",
                )
                raise NotPermitted
            return view(request, *args, **kwargs)

        wrapper.capability = capability
        return wrapper

    return decorate


def public(view):
    """Declare a route that needs no signed-in user. Its view checks what it needs itself."""
    from django.contrib.auth.decorators import login_not_required

    view = login_not_required(view)
    view.capability = PUBLIC
    return view
