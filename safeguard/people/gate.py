"""The one gate for every change to anything about a person.

Every service that changes a case opens the gate first::

    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        ...  # change.person is locked; write, then
        change.record(ReferralEvent.SENT, record=referral, old=..., new=...)

or, for a record about a person (a referral, an appointment, a plan item)::

    with case_record_change(Referral.objects, pk=referral_id, actor=actor) as (change, referral):
        ...

In that order the gate: checks the actor's capability (``NotPermitted``, 403); fetches and
locks the person through the one scoping function (``Http404`` for missing and not visible
alike, with the refusal logged); refuses any change once the person has died
(``RecordClosed``, 409, unless the service is the one that records or reviews the death);
refuses, in integrated mode (``SAFEGUARD_CASE_SOURCE=delius``), a change to a fact nDelius
owns: the service says so with ``delius_owned=True`` (the person's details, allocation,
registrations and custody; ``OwnedByDelius``, 409, "change it in nDelius"); then gives the
service a ``CaseChange`` whose ``record`` writes a typed audit entry in the same transaction. When the block ends without error, the person's work items are refreshed
after commit, along with any side effects the service queued with ``change.on_commit``.
"""

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Manager, Model, QuerySet
from django.http import Http404
from django.utils import timezone

from safeguard.core import case_source, registry, workitems
from safeguard.core.audit import (
    Action,
    AuditEvent,
    Channel,
    access_log_record,
    access_log_refusal,
)
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.errors import RecordClosed, StaleEdit
from safeguard.people.models import Person, PersonStatus
from safeguard.people.selectors import visibility, visible_people

logger = logging.getLogger(__name__)


def after_work_refresh(person_ids: Iterable[int] | None) -> None:
    """Run what areas registered to follow a refresh of work items (``registry.after_work_refresh``:
    an alert about each new urgent item). Called once the refresh has run, after commit; a
    failure is logged rather than raised, because the change has committed and the periodic
    sweep catches up."""
    ids = None if person_ids is None else list(person_ids)
    for hook in registry.after_work_refresh:
        try:
            hook(ids)
        except Exception:  # noqa: BLE001 - see above
            logger.exception("%s failed after a work-item refresh", getattr(hook, "__name__", hook))


def check_version(current: int, given) -> None:
    """The one stale-edit rule: an edit names the version it started from, and it must still
    be the current one. A missing version is refused too: it could overwrite anything."""
    if given is None or given == "":
        raise StaleEdit("Say which version of the record you are changing.")
    try:
        given = int(given)
    except (TypeError, ValueError):
        raise StaleEdit("Say which version of the record you are changing.") from None
    if given != current:
        raise StaleEdit


def _record_key(record) -> str:
    if record is None:
        return ""
    return f"{record._meta.model_name}:{record.pk}"


@dataclass
class CaseChange:
    """What a service holds inside the gate: the locked people and the actor."""

    people: list[Person]
    actor: object
    channel: str
    events: list[str] = field(default_factory=list)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def person(self) -> Person:
        return self.people[0]

    def record(
        self,
        event: AuditEvent,
        *,
        record: Model | None = None,
        old: dict | None = None,
        new: dict | None = None,
        person: Person | None = None,
        detail: str = "",
    ):
        """Write the audit entry for one change, in the same transaction as the change."""
        if not isinstance(event, AuditEvent):
            raise TypeError("An audit entry needs an event from an area's AuditEvent vocabulary")
        changes = {}
        if record is not None:
            changes["record"] = _record_key(record)
        if old:
            changes["old"] = old
        if new:
            changes["new"] = new
        targets = [person] if person is not None else self.people
        for target in targets:
            access_log_record(
                actor=self.actor,
                action=Action.CHANGE_PERSON,
                channel=self.channel,
                person=target,
                detail=detail or str(event.label),
                event=event.value,
                changes=changes,
            )
        self.events.append(event.value)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the change has committed (never if it rolls back)."""
        self._after_commit.append(callback)


class _NotVisible(Exception):
    pass


def _refuse(actor, channel, what: str, crn: str = "", person=None):
    access_log_refusal(
        actor=actor, channel=channel, person=person, crn=crn, detail=f"{what}: not visible"
    )
    raise Http404("Nothing with that reference is visible to you.")


@contextmanager
def people_change(
    *,
    actor,
    person_ids: Sequence[int],
    capability: Capability = Capability.CHANGE_CASES,
    channel: str = Channel.WEB,
    allow_closed: bool = False,
    refresh_work: bool = True,
    what: str = "change",
    delius_owned: bool = False,
) -> Iterator[CaseChange]:
    """The gate for a change about several people at once (a meeting discussing them): every
    one must be visible, and none may have died. ``delius_owned``: the change is to a fact
    nDelius owns in integrated mode, so there it is refused (``OwnedByDelius``)."""
    require_capability(actor, capability)
    wanted = sorted(set(person_ids))
    try:
        with transaction.atomic():
            # Locked in id order, so that two changes to overlapping people cannot deadlock.
            people = list(
                visible_people(actor)
                .select_for_update(of=("self",))
                .filter(pk__in=wanted)
                .order_by("pk")
            )
            if not wanted or len(people) != len(wanted):
                raise _NotVisible
            if delius_owned:
                case_source.refuse_if_integrated()
            if not allow_closed and any(p.status == PersonStatus.DIED for p in people):
                raise RecordClosed
            change = CaseChange(people=people, actor=actor, channel=channel)
            yield change
            if refresh_work:
                today = timezone.localdate()
                for person in people:
                    workitems.refresh_for_person_on_commit(person.pk, today)
                # Registered after the refreshes, so it runs once they have.
                ids = [person.pk for person in people]
                transaction.on_commit(lambda: after_work_refresh(ids))
            for callback in change._after_commit:
                transaction.on_commit(callback)
    except _NotVisible:
        # Logged once the gate's transaction has rolled back, so the refusal is kept.
        _refuse(actor, channel, what)


@contextmanager
def person_change(
    *,
    actor,
    person_id: int | None = None,
    crn: str | None = None,
    capability: Capability = Capability.CHANGE_CASES,
    channel: str = Channel.WEB,
    allow_closed: bool = False,
    refresh_work: bool = True,
    delius_owned: bool = False,
) -> Iterator[CaseChange]:
    """The gate for a change to one person, named by id or by CRN."""
    if person_id is None:
        crn = (crn or "").strip().upper()
        person_id = visible_people(actor).filter(crn=crn).values_list("pk", flat=True).first()
        if person_id is None:
            require_capability(actor, capability)
            _refuse(
                actor, channel, "change", crn=crn, person=Person.objects.filter(crn=crn).first()
            )
    with people_change(
        actor=actor,
        person_ids=[person_id],
        capability=capability,
        channel=channel,
        allow_closed=allow_closed,
        refresh_work=refresh_work,
        delius_owned=delius_owned,
    ) as change:
        yield change


@contextmanager
def case_record_change(
    records: QuerySet | Manager | type[Model],
    *,
    pk: int,
    actor,
    person_field: str = "person",
    capability: Capability = Capability.CHANGE_CASES,
    channel: str = Channel.WEB,
    allow_closed: bool = False,
    refresh_work: bool = True,
    delius_owned: bool = False,
) -> Iterator[tuple[CaseChange, Model]]:
    """The gate for a change to one record about a person: the record is found only among
    records about people the actor may see, then the person and the record are locked."""
    if isinstance(records, QuerySet):
        queryset = records
    elif isinstance(records, type):
        queryset = records._default_manager.all()
    else:  # a manager, such as Referral.objects
        queryset = records.all()
    what = str(queryset.model._meta.verbose_name)
    require_capability(actor, capability)
    person_id = (
        queryset.filter(visibility(actor, via=person_field), pk=pk)
        .values_list(f"{person_field}_id", flat=True)
        .first()
        if isinstance(pk, int) or str(pk).isdigit()
        else None
    )
    if person_id is None:
        _refuse(actor, channel, f"{what} {pk}"[:60])
    with person_change(
        actor=actor,
        person_id=person_id,
        capability=capability,
        channel=channel,
        allow_closed=allow_closed,
        refresh_work=refresh_work,
        delius_owned=delius_owned,
    ) as change:
        record = queryset.select_for_update(of=("self",)).get(pk=pk)
        yield change, record


def values_of(record: Model, fields: Sequence[str]) -> dict:
    """A record's values for the audit entry's old or new side (foreign keys as ids)."""
    values = {}
    for name in fields:
        model_field = record._meta.get_field(name)
        key = model_field.attname
        values[name] = getattr(record, key)
    return values
