"""The probation reset safeguard: before supervision contact is reduced, the conditions under
which an SPO's recorded decision is needed. Each is a ``Q`` on any model whose ``person_ref``
names the person's id, so that one person's check and the caseload's work items agree.

Risk to self uses the one definition's latest screen (``assessments.risk.latest_screens``),
with its rule that "not known" counts until a follow-up finds no current concerns; the
safeguard asks for high, very high or not known (medium alone does not stop a reduction).
"""

import datetime as dt

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from safeguard.assessments.models import FollowUpOutcome, RiskToSelf
from safeguard.assessments.risk import latest_screens
from safeguard.pathways.models import SafeguardReason
from safeguard.people.models import CustodyStatus, Person
from safeguard.referrals.models import AWAITING_DECISION, Referral, ReferralKind, ReferralStatus
from safeguard.registrations.models import Registration, RegistrationStatus

NEAR_RELEASE = dt.timedelta(weeks=12)
SAFEGUARD_LEVELS = (RiskToSelf.HIGH, RiskToSelf.VERY_HIGH, RiskToSelf.NOT_KNOWN)


def _registered(code: str, person_ref: str) -> Q:
    return Q(
        Exists(
            Registration.objects.filter(
                person_id=OuterRef(person_ref),
                status=RegistrationStatus.ACTIVE,
                register_type__code=code,
            )
        )
    )


def reason_conditions(person_ref: str = "pk", *, today: dt.date) -> dict[str, Q]:
    s42_open = Referral.objects.filter(
        person_id=OuterRef(person_ref), kind=ReferralKind.ASC_S42
    ).filter(
        # Completed but not yet sent counts as open: the concern is there (err toward acting).
        Q(status__in=[ReferralStatus.READY_TO_SEND, *AWAITING_DECISION])
        | Q(status=ReferralStatus.ACCEPTED, outcome="")
    )
    screens = (
        latest_screens(person_ref)
        .filter(risk_to_self__in=list(SAFEGUARD_LEVELS))
        .exclude(
            risk_to_self=RiskToSelf.NOT_KNOWN,
            follow_up_outcome=FollowUpOutcome.NO_CURRENT_CONCERNS,
        )
    )
    near_release = Person.objects.filter(pk=OuterRef(person_ref)).filter(
        Q(
            custody_status=CustodyStatus.IN_CUSTODY,
            expected_release_date__isnull=False,
            expected_release_date__lte=today + NEAR_RELEASE,
        )
        | Q(last_released_on__gte=today - NEAR_RELEASE, last_released_on__lte=today)
    )
    return {
        SafeguardReason.ALSH_ACTIVE: _registered("ALSH", person_ref),
        SafeguardReason.RVAD_ACTIVE: _registered("RVAD", person_ref),
        SafeguardReason.S42_OPEN: Q(Exists(s42_open)),
        SafeguardReason.RISK_TO_SELF: Q(Exists(screens)),
        SafeguardReason.NEAR_RELEASE: Q(Exists(near_release)),
    }


def safeguard_applies(person_ref: str = "pk", *, today: dt.date) -> Q:
    condition = Q()
    for q in reason_conditions(person_ref, today=today).values():
        condition |= q
    return condition


def safeguard_reasons(person_id: int, *, today: dt.date) -> list[str]:
    """The reasons that apply to one person today, in the order above (one query)."""
    conditions = reason_conditions("pk", today=today)
    row = (
        Person.objects.filter(pk=person_id)
        .annotate(
            **{
                f"r_{key}": ExpressionWrapper(q, output_field=BooleanField())
                for key, q in conditions.items()
            }
        )
        .values(*[f"r_{key}" for key in conditions])
        .first()
    )
    if row is None:
        return []
    return [str(key) for key in conditions if row[f"r_{key}"]]
