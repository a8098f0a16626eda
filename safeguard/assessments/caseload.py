"""Risk to self on the caseload: a column with the latest screen's level and filters for who is
at risk to self (the one definition in ``risk.py``) and whose risk is not known."""

from dataclasses import dataclass

from django.db.models import Exists, Q, Subquery

from safeguard.assessments.models import FollowUpOutcome, RiskToSelf
from safeguard.assessments.risk import at_risk_to_self, latest_screens
from safeguard.core.templatetags.safeguard import level_tag


def _not_known():
    not_known = latest_screens("pk").filter(risk_to_self=RiskToSelf.NOT_KNOWN)
    not_known = not_known.exclude(follow_up_outcome=FollowUpOutcome.NO_CURRENT_CONCERNS)
    return Q(Exists(not_known))


def risk_to_self_filters(today):
    return [
        ("at_risk_to_self", "At risk to self", lambda: at_risk_to_self("pk")),
        ("risk_to_self_not_known", "Risk to self not known", _not_known),
    ]


@dataclass(frozen=True)
class RiskToSelfColumn:
    label: str = "Risk to self"

    def cell(self, person):
        return level_tag(person.latest_risk_to_self, "Not screened")

    def annotate(self, people, today):
        return people.annotate(
            latest_risk_to_self=Subquery(latest_screens("pk").values("risk_to_self")[:1])
        )


RISK_TO_SELF_COLUMN = RiskToSelfColumn()
