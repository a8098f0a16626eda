"""Reads: who is on duty, who an alert goes to, the rota pages and the alert about an item."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.http import Http404

from safeguard.alerts import policy
from safeguard.alerts.models import Alert, DutyRotaEntry, EmailReason
from safeguard.core.audit import Channel, access_log_refusal
from safeguard.core.models import PDU, Role, Staff, Team, WorkItem
from safeguard.people.models import Person
from safeguard.people.selectors import visibility, visible_people

# ---- the rota ---------------------------------------------------------------------------------


def _on_duty(at: datetime) -> Q:
    return Q(starts_at__lte=at, ends_at__gt=at)


def duty_officers(team: Team, at: datetime) -> list[Staff]:
    """Who the rotas name at ``at``, in the order to try them: the team's duty officer, then
    the PDU's. Entries of one rota never overlap, so each rota names at most one."""
    entries = (
        DutyRotaEntry.objects.filter(_on_duty(at))
        .filter(Q(team_id=team.pk) | Q(pdu_id=team.pdu_id))
        .select_related("staff")
        # The team's entry (no PDU) first, on every database (NULLs sort differently).
        .order_by(F("pdu_id").asc(nulls_first=True), "starts_at")
    )
    return [entry.staff for entry in entries]


def duty_officer(team: Team, at: datetime) -> Staff | None:
    """The duty officer for ``team`` at ``at``: the team's rota, else its PDU's, else None."""
    officers = duty_officers(team, at)
    return officers[0] if officers else None


def rota_entries(*, team: Team | None = None, pdu: PDU | None = None, now: datetime):
    """The current and upcoming entries of one rota, soonest first."""
    entries = DutyRotaEntry.objects.filter(ends_at__gt=now).select_related("staff", "added_by")
    entries = entries.filter(team=team) if team is not None else entries.filter(pdu=pdu)
    return entries.order_by("starts_at", "id")


def rota_members(*, team: Team | None = None, pdu: PDU | None = None) -> QuerySet[Staff]:
    """Who may be put on a rota: staff in post in the team, or anywhere in the PDU."""
    staff = Staff.objects.filter(is_active=True, in_post=True)
    if team is not None:
        staff = staff.filter(
            teams=team, role__in=[Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER]
        )
    else:
        staff = staff.filter(
            Q(teams__pdu=pdu, role__in=[Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER])
            | Q(pdu=pdu, role=Role.HEAD_OF_PDU)
        )
    return staff.distinct().order_by("last_name", "first_name", "pk")


def teams_managed(user) -> QuerySet[Team]:
    """The teams whose rota ``user`` may edit: an SPO's own teams, a head's PDU's teams."""
    if user.role == Role.SENIOR_PROBATION_OFFICER:
        return Team.objects.filter(members=user).select_related("pdu")
    if user.role == Role.HEAD_OF_PDU and user.pdu_id:
        return Team.objects.filter(pdu_id=user.pdu_id).select_related("pdu")
    return Team.objects.none()


def pdus_managed(user) -> QuerySet[PDU]:
    """The PDUs whose rota ``user`` may edit: a head of PDU's own."""
    if user.role == Role.HEAD_OF_PDU and user.pdu_id:
        return PDU.objects.filter(pk=user.pdu_id)
    return PDU.objects.none()


def _managed_or_404(queryset, pk, *, user, what: str):
    found = queryset.filter(pk=pk).first()
    if found is None:
        access_log_refusal(actor=user, channel=Channel.WEB, detail=f"{what} {pk}: not managed")
        raise Http404(f"No such {what} rota is yours to manage.")
    return found


def managed_team(user, team_id: int) -> Team:
    """A team whose rota ``user`` manages; 404 (as for no such team) for anyone else's."""
    return _managed_or_404(teams_managed(user), team_id, user=user, what="team")


def managed_pdu(user, pdu_id: int) -> PDU:
    return _managed_or_404(pdus_managed(user), pdu_id, user=user, what="PDU")


@dataclass
class RotaSummary:
    on_duty_now: Staff | None  # on this rota
    covering_now: Staff | None  # whoever is on duty now for the team (its rota, else the PDU's)
    out_of_hours_now: bool
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)

    @property
    def nobody_on_duty_now(self) -> bool:
        return self.out_of_hours_now and self.covering_now is None


GAP_HORIZON = timedelta(days=7)


def rota_summary(
    entries: list[DutyRotaEntry], *, now: datetime, team: Team | None = None, pdu: PDU | None = None
) -> RotaSummary:
    """Who is on duty now, and the out-of-hours stretches of the next 7 days nobody covers
    (for a team, its PDU's rota covers it too). ``entries`` are this rota's current and
    upcoming entries (``rota_entries``)."""
    covered = [(e.starts_at, e.ends_at) for e in entries]
    mine = next((e.staff for e in entries if e.starts_at <= now < e.ends_at), None)
    covering = mine
    if team is not None:
        fallback = list(
            DutyRotaEntry.objects.filter(pdu_id=team.pdu_id, ends_at__gt=now)
            .filter(starts_at__lt=now + GAP_HORIZON)
            .select_related("staff")
        )
        covered += [(e.starts_at, e.ends_at) for e in fallback]
        if covering is None:
            covering = next((e.staff for e in fallback if e.starts_at <= now < e.ends_at), None)
    gaps = policy.out_of_hours_gaps(now, now + GAP_HORIZON, covered)
    return RotaSummary(
        on_duty_now=mine,
        covering_now=covering,
        out_of_hours_now=not policy.in_office_hours(now),
        gaps=[(s, e) for s, e in gaps if e - s >= timedelta(minutes=1)],
    )


# ---- who an alert goes to ----------------------------------------------------------------


def may_be_told(staff: Staff | None, person: Person) -> bool:
    """Whether ``staff`` may be emailed about ``person``'s case: in post, with an email
    address that is not the person's own, and able to see the case through the one scoping
    function (an exclusion or restriction list keeps them out, as everywhere)."""
    if staff is None or not (staff.is_active and staff.in_post and staff.role and staff.email):
        return False
    if person.email and staff.email.strip().lower() == person.email.strip().lower():
        return False
    return visible_people(staff).filter(pk=person.pk).exists()


def senior_officers(person: Person) -> list[Staff]:
    """The SPOs of the person's team who may be told; if none, the heads of its PDU."""
    base = Staff.objects.filter(is_active=True, in_post=True).order_by("pk")
    spos = [s for s in base.filter(role=Role.SENIOR_PROBATION_OFFICER, teams=person.team_id)]
    told = [s for s in spos if may_be_told(s, person)]
    if told:
        return told
    heads = base.filter(role=Role.HEAD_OF_PDU, pdu_id=person.pdu_id)
    return [s for s in heads if may_be_told(s, person)]


@dataclass
class Route:
    """Who an alert goes to first, and why."""

    emails: list[tuple[Staff, str]]  # (staff, EmailReason)
    out_of_hours: bool
    nobody_on_duty: bool


def alert_route(item: WorkItem, person: Person, at: datetime) -> Route:
    """In office hours, the case's practitioner (or the item's assignee for an unallocated
    case); out of hours, the duty officer on the team's rota, else the PDU's. If that is nobody
    (or nobody who may see the case), the team's SPOs. Some rules tell the SPOs at once too."""
    out_of_hours = not policy.in_office_hours(at)
    first: list[tuple[Staff, str]] = []
    nobody_on_duty = False
    if not out_of_hours:
        if person.practitioner_id:
            candidates = [(person.practitioner, EmailReason.PRACTITIONER)]
        else:
            candidates = [(item.assigned_to, EmailReason.ASSIGNEE)]
    else:
        officers = duty_officers(person.team, at)
        nobody_on_duty = not officers
        candidates = [(officer, EmailReason.DUTY_OFFICER) for officer in officers]
    for staff, reason in candidates:
        if may_be_told(staff, person):
            first = [(staff, reason)]
            break
    spos = None
    if not first:
        spos = senior_officers(person)
        first = [(s, EmailReason.NOBODY_ON_DUTY) for s in spos]
    if item.rule in policy.TELL_SPO_AT_ONCE:
        spos = senior_officers(person) if spos is None else spos
        already = {s.pk for s, _ in first}
        first += [(s, EmailReason.SPO_AT_ONCE) for s in spos if s.pk not in already]
    return Route(emails=first, out_of_hours=out_of_hours, nobody_on_duty=nobody_on_duty)


def escalation_recipients(alert: Alert, person: Person, at: datetime) -> list[Staff]:
    """The team's SPOs (else the PDU's heads), and out of hours the duty officer on the rota if
    they are an SPO or head of PDU: whoever may see the case."""
    recipients = senior_officers(person)
    if not policy.in_office_hours(at):
        for officer in duty_officers(person.team, at):
            if officer.role in (Role.SENIOR_PROBATION_OFFICER, Role.HEAD_OF_PDU) and may_be_told(
                officer, person
            ):
                if officer.pk not in {r.pk for r in recipients}:
                    recipients.append(officer)
                break
    return recipients


# ---- the alert page ------------------------------------------------------------------------


def visible_work_item(user, work_item_id: int) -> WorkItem:
    """One work item about a person ``user`` may see (404, logged, for any other)."""
    item = (
        WorkItem.objects.filter(visibility(user, via="person"), pk=work_item_id)
        .select_related("person", "assigned_to", "team")
        .first()
    )
    if item is None:
        access_log_refusal(
            actor=user,
            channel=Channel.WEB,
            detail=f"work item {work_item_id}: not found or not visible",
        )
        raise Http404("No such work item is visible to you.")
    return item


def alert_for(item: WorkItem) -> Alert | None:
    return (
        Alert.objects.filter(work_item=item)
        .select_related("acknowledged_by")
        .prefetch_related("emails__staff", "emails__message")
        .first()
    )
