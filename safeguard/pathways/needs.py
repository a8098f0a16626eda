"""Where each need is found, in SQL: one definition, used for one person's suggestions, for the
"no offer in 4 weeks" work item across the caseload and for the measures.

``need_condition(need, person_ref, today, held_since=None)`` is a ``Q`` on any model whose
``person_ref`` names the person's id. With ``held_since`` only sources dated on or before that
day count (a screen completed by then, a registration started by then), so a rule can ask for
needs identified at least 4 weeks ago. No source reads sex, gender identity, ethnicity or age.
"""

import datetime as dt

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from safeguard.assessments.risk import later_screen, latest_screens
from safeguard.core.statements import statement
from safeguard.pathways.catalogue import catalogue
from safeguard.pathways.models import GPRegistration, GPStatus, RecordedNeed
from safeguard.people.models import Person
from safeguard.referrals.models import Referral, ReferralStatus
from safeguard.registrations.models import Registration, RegistrationStatus
from safeguard.releases.models import PlanStatus, ReleasePlan
from safeguard.releases.selectors import OPIOID_OVERDOSE_ANSWERS


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _reads_the_screen(source: dict) -> bool:
    return any(k in source for k in ("screen_domain", "screen_answer", "opioid_use_indicated"))


def _screen_filter(source: dict, prefix: str = "") -> Q:
    """The condition on a latest screen that shows the need (its fields under ``prefix``)."""
    if "screen_domain" in source:
        return Q(**{f"{prefix}domain_levels__{source['screen_domain']}__in": source["levels"]})
    if "screen_answer" in source:
        return Q(**{f"{prefix}answers__{source['screen_answer']}__in": source["values"]})
    # The same answers that make the screen recommend take-home naloxone.
    return Q(**{f"{prefix}answers__su_opioids": True}) | Q(
        **{f"{prefix}answers__su_overdose__in": OPIOID_OVERDOSE_ANSWERS}
    )


LATEST_SCREEN = "latest_screen"


def with_latest_screen(people: QuerySet) -> QuerySet:
    """``people`` with each one's latest screen joined as ``latest_screen`` (as ``latest_screens``
    finds it; an outer join, so someone never screened is still there). Across the caseload
    that is one pass of the screens, where a subquery for each need the screen shows was one
    pass each (nine)."""
    later = later_screen(prefix=f"{LATEST_SCREEN}__")
    latest = FilteredRelation("vulnerability_screens", condition=~Q(later))
    return people.annotate(**{LATEST_SCREEN: latest})


def _source_rows(source: dict, need_key: str, today, held_since):
    """The rows that show the need, for everyone, and the field naming their person."""
    if _reads_the_screen(source):
        screens = latest_screens(None).filter(_screen_filter(source))
        if held_since:
            screens = screens.filter(completed_at__lt=_end_of(held_since))
        return screens, "person_id"
    if "register" in source:
        registrations = Registration.objects.filter(
            status=RegistrationStatus.ACTIVE, register_type__code__in=source["register"]
        )
        if held_since:
            registrations = registrations.filter(start_date__lte=held_since)
        return registrations, "person_id"
    if "person_flag" in source:
        return Person.objects.filter(**{source["person_flag"]: True}), "pk"
    if "release" in source:
        after = today - dt.timedelta(days=source.get("days_after", 0))
        open_plan = Q(status=PlanStatus.OPEN)
        released = Q(status=PlanStatus.RELEASED, released_on__gte=after, released_on__lte=today)
        if held_since:
            open_plan &= Q(opened_at__lt=_end_of(held_since))
            released &= Q(released_on__lte=held_since) | Q(opened_at__lt=_end_of(held_since))
        return ReleasePlan.objects.filter(open_plan | released), "person_id"
    if "referral_rejected" in source:
        since = _end_of(today - dt.timedelta(days=source.get("days", 182)))
        referrals = Referral.objects.filter(
            kind=source["referral_rejected"],
            status=ReferralStatus.REJECTED,
            rejection_reason=source["reason"],
            decided_at__gte=since,
        )
        if held_since:
            referrals = referrals.filter(decided_at__lt=_end_of(held_since))
        return referrals, "person_id"
    if "gp_not_registered" in source:
        status = GPRegistration.objects.filter(status=GPStatus.NOT_REGISTERED)
        if held_since:
            status = status.filter(checked_on__lte=held_since)
        return status, "person_id"
    if "recorded" in source:
        recorded = RecordedNeed.objects.filter(need=need_key, ended_on__isnull=True)
        if held_since:
            recorded = recorded.filter(recorded_on__lte=held_since)
        return recorded, "person_id"
    raise ValueError(f"unknown need source {source!r}")


def _source_condition(
    source: dict,
    need_key: str,
    person_ref: str,
    today,
    held_since,
    *,
    whole_caseload: bool,
    screen_joined: bool = False,
) -> Q:
    if screen_joined and _reads_the_screen(source):
        condition = _screen_filter(source, prefix=f"{LATEST_SCREEN}__")
        if held_since:
            condition &= Q(**{f"{LATEST_SCREEN}__completed_at__lt": _end_of(held_since)})
        return condition
    rows, person_field = _source_rows(source, need_key, today, held_since)
    if whole_caseload:
        # Across the caseload: the rows are found once (PostgreSQL hashes them) and each
        # person is looked up in them, instead of one index probe per person for each source.
        return Q(**{f"{person_ref}__in": rows.values(person_field)})
    if "person_flag" in source and person_ref == "pk":
        return Q(**{source["person_flag"]: True})
    return Q(Exists(rows.filter(**{person_field: OuterRef(person_ref)})))


def need_condition(
    need_key: str,
    person_ref: str = "pk",
    *,
    today: dt.date,
    held_since: dt.date | None = None,
    screen_joined: bool = False,
) -> Q:
    """With ``screen_joined`` the screen's sources read the latest screen that
    ``with_latest_screen`` joined to the people queried."""
    need = catalogue().needs[need_key]
    condition = Q()
    for source in need.sources:
        condition |= _source_condition(
            source,
            need_key,
            person_ref,
            today,
            held_since,
            whole_caseload=False,
            screen_joined=screen_joined,
        )
    return condition


def any_need_condition(need_keys, person_ref: str = "pk", *, today: dt.date) -> Q:
    """Any of ``need_keys``, across the caseload (the measures): the same as OR-ing their
    ``need_condition``s, with the screen's sources read in one pass of the latest screens."""
    on_screen, condition = Q(), Q()
    for key in need_keys:
        for source in catalogue().needs[key].sources:
            if _reads_the_screen(source):
                on_screen |= _screen_filter(source)
            else:
                condition |= _source_condition(
                    source, key, person_ref, today, None, whole_caseload=True
                )
    if on_screen:
        condition |= Q(**{f"{person_ref}__in": need_rows_on_screen(on_screen)})
    return condition


def need_rows_on_screen(condition: Q):
    """The ids of people whose latest screen meets ``condition``, for everyone at once."""
    return latest_screens(None).filter(condition).values("person_id")


def annotate_needs(queryset, person_ref: str = "pk", *, today: dt.date, held_since=None):
    """``queryset`` with a boolean ``need_<key>`` for every need, in the same statement."""
    return queryset.annotate(
        **{
            f"need_{key}": ExpressionWrapper(
                need_condition(key, person_ref, today=today, held_since=held_since),
                output_field=BooleanField(),
            )
            for key in catalogue().needs
        }
    )


def person_needs(person_id: int, *, today: dt.date) -> list[str]:
    """The needs that hold for one person today, in catalogue order (one query)."""
    # Compiling the statement (some 40 subqueries) costs more Python time than running it, and
    # it is the same for every person on a day, so the person page compiles it once a day.
    needs = statement(
        ("person_needs", today),
        lambda person: annotate_needs(Person.objects.filter(pk=person), today=today).values(
            *[f"need_{key}" for key in catalogue().needs]
        ),
        ["person"],
    )
    row = needs.fetchone(person=person_id)
    if row is None:
        return []
    return [key for key, held in zip(catalogue().needs, row, strict=True) if held]
