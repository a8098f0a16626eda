"""Bring one case into step with its nDelius case summary: the whole case, every time.

Whatever event arrived (a registration added, a manager allocated, a release), the consumer
fetches the case summary and hands it here. The result depends only on the summary, so
duplicates, re-deliveries and events out of order leave the same case; a summary that changes
nothing writes nothing (no new version, no audit entry).

The person's row is locked (``select_for_update``) for the change, so two consumers working
on the same case take turns; two creating the same new case meet the unique CRN and the loser
reconciles again against the winner's row (``reconcile_case`` retries once). Registrations are
matched by their nDelius id (unique), teams and staff by their nDelius codes.

This is not a service a user calls: it has no actor parameter and no capability. It writes as
the integration's own account (``integration_account``), on the ``delius`` audit channel.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.models import Staff, Team
from safeguard.integration.audit import IntegrationEvent
from safeguard.integration.summary import CaseSummary, RegistrationFact
from safeguard.people.gate import after_work_refresh
from safeguard.people.models import (
    Allocation,
    AllocationReason,
    CustodyStatus,
    Person,
    PersonStatus,
)
from safeguard.registrations.models import (
    EndReason,
    RegisterType,
    Registration,
    RegistrationStatus,
)

logger = logging.getLogger(__name__)

ACCOUNT_USERNAME = "ndelius.integration"
FROM_DELIUS = "From nDelius"


class ReconcileError(Exception):
    """The case cannot be placed (for example no team has its team code). The message is a
    reason without personal data; the event is left for the dead-letter redrive."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@dataclass
class Outcome:
    created: bool = False
    changed: list[str] = field(default_factory=list)
    registrations_added: int = 0
    registrations_changed: int = 0
    registrations_removed: int = 0
    unknown_register_types: int = 0
    unknown_staff: bool = False
    closed: bool = False  # the person has died: the record stands as it was

    @property
    def anything(self) -> bool:
        return bool(
            self.created
            or self.changed
            or self.registrations_added
            or self.registrations_changed
            or self.registrations_removed
        )


def integration_account() -> Staff:
    """The account changes from nDelius are recorded against: no role (so no capability), no
    password, never signs in."""
    account = Staff.objects.filter(username=ACCOUNT_USERNAME).first()
    if account is None:
        account, _ = Staff.objects.get_or_create(
            username=ACCOUNT_USERNAME,
            defaults={
                "first_name": "nDelius",
                "last_name": "integration",
                "role": "",
                "password": make_password(None),
            },
        )
    return account


def reconcile_case(summary: CaseSummary, *, today: date | None = None) -> Outcome:
    """Bring the case in ``summary`` into step, in one transaction. Raises ``ReconcileError``
    when the case cannot be placed."""
    today = today or timezone.localdate()
    try:
        return _reconcile(summary, today)
    except IntegrityError:
        # Another consumer created the same case (or registration) at the same moment: its
        # row is there now, so the second attempt updates it.
        return _reconcile(summary, today)


def _reconcile(summary: CaseSummary, today: date) -> Outcome:
    outcome = Outcome()
    account = integration_account()
    team = Team.objects.select_related("pdu").filter(code=summary.team_code).first()
    if team is None:
        raise ReconcileError("unknown_team", f"no team has the code {summary.team_code}")
    practitioner = None
    if summary.staff_code:
        practitioner = Staff.objects.filter(staff_code=summary.staff_code).first()
        outcome.unknown_staff = practitioner is None
    types = {t.code: t for t in RegisterType.objects.all()}
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(crn=summary.crn).first()
        if person is not None and person.status == PersonStatus.DIED:
            outcome.closed = True
            return outcome
        if person is None:
            person = _create_person(summary, team, practitioner, today)
            outcome.created = True
        else:
            outcome.changed = _update_person(person, summary, team, practitioner, today)
        _reconcile_registrations(person, summary.registrations, types, account, today, outcome)
        if outcome.anything:
            access_log_record(
                actor=account,
                action=Action.CHANGE_PERSON,
                channel=Channel.DELIUS,
                person=person,
                event=(
                    IntegrationEvent.CASE_CREATED
                    if outcome.created
                    else IntegrationEvent.CASE_UPDATED
                ).value,
                detail=str(
                    (
                        IntegrationEvent.CASE_CREATED
                        if outcome.created
                        else IntegrationEvent.CASE_UPDATED
                    ).label
                ),
                changes={
                    "record": f"person:{person.pk}",
                    "new": {
                        "fields": outcome.changed,
                        "registrations_added": outcome.registrations_added,
                        "registrations_changed": outcome.registrations_changed,
                        "registrations_removed": outcome.registrations_removed,
                    },
                },
            )
            workitems.refresh_for_person_on_commit(person.pk, today)
            person_id = person.pk
            transaction.on_commit(lambda: after_work_refresh([person_id]))
    if outcome.unknown_staff:
        logger.warning("nDelius staff code not known here: the case is held by its team only")
    if outcome.unknown_register_types:
        logger.warning(
            "%d registrations of register types not in the catalogue were left out",
            outcome.unknown_register_types,
        )
    return outcome


def _person_facts(summary: CaseSummary) -> dict:
    return {
        "first_name": summary.forename,
        "last_name": summary.surname,
        "date_of_birth": summary.date_of_birth,
        "sex": summary.sex,
        "ethnicity": summary.ethnicity,
        "custody_status": CustodyStatus.IN_CUSTODY
        if summary.in_custody
        else CustodyStatus.IN_COMMUNITY,
        "expected_release_date": summary.expected_release_date if summary.in_custody else None,
    }


def _create_person(summary, team, practitioner, today) -> Person:
    person = Person(
        crn=summary.crn,
        pdu_id=team.pdu_id,
        team=team,
        practitioner=practitioner,
        # Not in the summary: unknown until someone records them ("" shows as blank).
        sentence_type="",
        accommodation_status="",
        supervision_start=today,
        **_person_facts(summary),
    )
    person._change_reason = FROM_DELIUS
    person.save()
    Allocation.objects.create(
        person=person,
        practitioner=practitioner,
        team=team,
        started_on=today,
        reason=AllocationReason.INITIAL,
        reason_detail=FROM_DELIUS,
    )
    return person


def _update_person(person, summary, team, practitioner, today) -> list[str]:
    facts = _person_facts(summary)
    changed = [name for name, value in facts.items() if getattr(person, name) != value]
    was_in_custody = person.custody_status == CustodyStatus.IN_CUSTODY
    for name in changed:
        setattr(person, name, facts[name])
    if was_in_custody and not summary.in_custody:
        # Released: the custody record's last release, which the deaths analysis reads.
        person.last_released_on = max(today, person.last_released_on or today)
        changed.append("last_released_on")
    practitioner_id = practitioner.pk if practitioner else None
    if (person.team_id, person.practitioner_id) != (team.pk, practitioner_id):
        current = person.allocations.select_for_update().filter(ended_on__isnull=True).first()
        if current is not None:
            current.ended_on = max(today, current.started_on)
            current.save(update_fields=["ended_on"])
        Allocation.objects.create(
            person=person,
            practitioner=practitioner,
            team=team,
            started_on=max(today, current.started_on) if current else today,
            reason=AllocationReason.TRANSFER
            if person.team_id != team.pk
            else AllocationReason.OTHER,
            reason_detail=FROM_DELIUS,
        )
        person.team, person.pdu_id, person.practitioner = team, team.pdu_id, practitioner
        changed += ["team", "pdu", "practitioner"]
    if changed:
        person.version += 1  # safe: the row is locked
        person._change_reason = FROM_DELIUS
        person.save(update_fields=[*dict.fromkeys(changed), "version", "updated_at"])
    return changed


def _registration_values(fact: RegistrationFact, register_type) -> dict:
    return {
        "register_type_id": register_type.pk,
        "status": RegistrationStatus.ACTIVE if fact.active else RegistrationStatus.ENDED,
        "start_date": fact.start_date,
        "next_review_date": fact.next_review_date if fact.active else None,
        "notes": fact.notes,
        "ended_on": None if fact.active else fact.end_date,
        "end_reason": "" if fact.active else EndReason.NO_LONGER_APPLIES,
        "end_notes": "" if fact.active else "Deregistered in nDelius",
    }


def _reconcile_registrations(person, facts, types, account, today, outcome: Outcome) -> None:
    ids = [f.delius_id for f in facts]
    existing = {
        r.delius_id: r
        for r in Registration.objects.select_for_update().filter(
            person=person, delius_id__isnull=False
        )
    }
    # The same nDelius registration on another case (cases merged in nDelius) moves here.
    moved = {
        r.delius_id: r
        for r in Registration.objects.select_for_update()
        .filter(delius_id__in=ids)
        .exclude(person=person)
    }
    for fact in facts:
        register_type = types.get(fact.type_code)
        if register_type is None:
            outcome.unknown_register_types += 1
            continue
        values = _registration_values(fact, register_type)
        registration = existing.get(fact.delius_id) or moved.get(fact.delius_id)
        if registration is None:
            Registration(
                person=person,
                delius_id=fact.delius_id,
                owner=person.practitioner or account,
                registering_team=person.team,
                **values,
            ).save()
            outcome.registrations_added += 1
            continue
        changed = [k for k, v in values.items() if getattr(registration, k) != v]
        if registration.person_id != person.pk:
            registration.person = person
            changed.append("person")
        if changed:
            for name in changed:
                if name != "person":
                    setattr(registration, name, values[name])
            registration.version += 1
            registration._change_reason = FROM_DELIUS
            registration.save(update_fields=[*changed, "version"])
            outcome.registrations_changed += 1
    # Gone from nDelius (deleted there): ended here as entered in error, kept for the record.
    for delius_id, registration in existing.items():
        if delius_id in ids or registration.status != RegistrationStatus.ACTIVE:
            continue
        registration.status = RegistrationStatus.ENDED
        registration.ended_on = max(today, registration.start_date)
        registration.end_reason = EndReason.ENTERED_IN_ERROR
        registration.end_notes = "Deleted in nDelius"
        registration.next_review_date = None
        registration.version += 1
        registration._change_reason = "Deleted in nDelius"
        registration.save(
            update_fields=[
                "status",
                "ended_on",
                "end_reason",
                "end_notes",
                "next_review_date",
                "version",
            ]
        )
        outcome.registrations_removed += 1
