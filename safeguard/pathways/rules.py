"""Work-item rules about pathways (run by ``safeguarding_scan`` and after each change to a case).

- A need identified at least 4 weeks ago for which no pathway has been offered (any status: an
  offer declined was still an offer), for the practitioner. Only needs with a pathway open to
  everyone count, so that nobody is prompted about a service the person cannot be offered.
- A reduction of contact waiting for an SPO's decision (the probation reset safeguard), for
  the team's senior probation officer until it is decided.
"""

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf, Substr
from django.db.models.functions.text import ConcatPair

from safeguard.core.models import WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
from safeguard.pathways.catalogue import catalogue
from safeguard.pathways.models import ContactReduction, PathwayOffer, ReductionStatus
from safeguard.pathways.needs import need_condition, with_latest_screen
from safeguard.people.models import Person
from safeguard.releases.rules import team_spo

NO_OFFER_AFTER = dt.timedelta(weeks=4)


def prompted_needs() -> list[str]:
    """The needs with at least one pathway open to everyone."""
    cat = catalogue()
    return [key for key in cat.needs if any(p.single_sex is None for p in cat.pathways_for(key))]


def _balanced(parts):
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return ConcatPair(
        _balanced(parts[:middle]), _balanced(parts[middle:]), output_field=CharField()
    )


def unmet_needs(people, *, today: dt.date):
    """``people`` with ``unmet_<need>`` for each prompted need: identified at least 4 weeks ago
    and never offered a pathway that meets it."""
    held_since = today - NO_OFFER_AFTER
    cat = catalogue()
    annotations = {}
    for key in prompted_needs():
        pathways = [p.key for p in cat.pathways_for(key)]
        offered = PathwayOffer.objects.filter(person_id=OuterRef("pk"), pathway__in=pathways)
        held = need_condition(key, today=today, held_since=held_since, screen_joined=True)
        annotations[f"unmet_{key}"] = ExpressionWrapper(
            held & ~Exists(offered), output_field=BooleanField()
        )
    return with_latest_screen(people).annotate(**annotations)


def _no_offer(today: dt.date):
    keys = prompted_needs()
    people = unmet_needs(Person.objects.all(), today=today)
    # The detail lists the unmet needs, and an empty one means none (``detail_required``): so
    # each need's condition is worked out once for each person, not again in a filter.
    labels = [
        Case(
            When(**{f"unmet_{key}": True}, then=Value(f"; {catalogue().needs[key].label}")),
            default=Value(""),
            output_field=CharField(),
        )
        for key in keys
    ]
    # SQL's || gives NULL, not the prefix alone, for nobody's needs (NULLIF of ""); Django's
    # Concat would make NULL an empty string and repeat the whole expression to test it.
    listed = NullIf(Substr(_balanced(labels), 3), Value(""))
    detail = Func(
        Value("No pathway offered for: "),
        listed,
        arg_joiner=" || ",
        template="(%(expressions)s)",
        output_field=CharField(),
    )
    return candidates_about_people(people, person="", due_on=today, detail=detail)


NEED_NO_OFFER = WorkItemRule(
    code="pathway_need_no_offer",
    title="A need with no pathway offered in 4 weeks",
    subject_type="person",
    candidates=_no_offer,
    detail_required=True,
    priority=WorkItemPriority.ROUTINE,
    action="Look at the suggested pathways with the person and record what they were offered.",
    link=link_to("pathways:person"),
)


def _awaiting_decision(today: dt.date):
    return candidates_about_people(
        ContactReduction.objects.filter(status=ReductionStatus.AWAITING_DECISION),
        assigned_to=Coalesce(team_spo("person__team_id"), F("person__practitioner_id")),
        due_on=today,
    )


CONTACT_REDUCTION_AWAITING = WorkItemRule(
    code="contact_reduction_awaiting_decision",
    title="Reduced contact asked for: an SPO's decision is needed",
    subject_type="contact_reduction",
    candidates=_awaiting_decision,
    priority=WorkItemPriority.TODAY,
    action="Read why the safeguard applies and record whether contact may be reduced.",
    link=link_to("pathways:person", anchor="contact-reduction"),
)
