"""Registries that each app fills in its ``AppConfig.ready()``, so that core and people never
import the areas that plug into them.

Every entry has an explicit order key (the person page and the scan run in that order) and the
label of the app that registered it::

    from safeguard.core import registry

    class EngagementConfig(AppConfig):
        def ready(self):
            from safeguard.engagement import rules, sections

            registry.person_sections.register(self.label, 80, sections.engagement_section)
            registry.work_item_rules.register(self.label, 90, rules.MISSED_APPOINTMENT_WELFARE)

Keys are spaced by ten so an area can slot in between others; two entries may not share a key,
so the order never depends on which app happened to start first.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Entry:
    order: int
    app: str  # the label of the app that registered it
    item: Any


class Registry:
    def __init__(self, name: str, description: str):
        self.name = name
        self.description = description
        self._entries: list[Entry] = []

    def register(self, app: str, order: int, item):
        """Add ``item`` at ``order``. Registering the same item again at the same key does
        nothing (``ready()`` may run twice); anything else on a taken key is refused."""
        for entry in self._entries:
            if entry.order == order:
                if entry.item is item and entry.app == app:
                    return item
                raise ImproperlyConfigured(
                    f"{self.name}: order {order} is taken by {entry.app}'s {entry.item!r}"
                )
        self._entries = sorted([*self._entries, Entry(order, app, item)], key=lambda e: e.order)
        return item

    def entries(self) -> list[Entry]:
        return list(self._entries)

    def __iter__(self) -> Iterator:
        return iter([entry.item for entry in self._entries])

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, item) -> bool:
        return any(entry.item is item for entry in self._entries)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self)} entries>"

    # ---- for tests: change the registry for a block, then put it back ------------------------

    @contextmanager
    def _swapped(self, entries: list[Entry]):
        saved = self._entries
        self._entries = sorted(entries, key=lambda e: e.order)
        try:
            yield self
        finally:
            self._entries = saved

    def limited_to(self, *apps: str):
        """Only the entries that these apps registered (``limited_to("engagement")``)."""
        return self._swapped([e for e in self._entries if e.app in apps])

    def replaced_by(self, *items):
        """Exactly ``items``, in the order given, whoever registered them."""
        return self._swapped([Entry(i, "tests", item) for i, item in enumerate(items)])

    def added(self, item, *, order: int = -1, app: str = "tests"):
        """Everything registered plus ``item`` (first, unless ``order`` says otherwise)."""
        return self._swapped([*self._entries, Entry(order, app, item)])


person_sections = Registry(
    "person_sections",
    "Sections of the person page: functions (request, person, today) -> Section | None "
    "(see safeguard.people.sections).",
)
work_item_rules = Registry(
    "work_item_rules",
    "WorkItemRule objects that safeguarding_scan runs, in this order (safeguard.core.workitems).",
)
work_item_conditions = Registry(
    "work_item_conditions",
    "Conditions every work item's person must meet: functions (person_ref) -> Q, given the "
    "name of the candidate's person id (for example, 'the person has not died').",
)
on_death = Registry(
    "on_death",
    "Run when a death is recorded, in the same transaction, after the case snapshot is taken: "
    "functions (person_id, actor) -> None that close the person's open work.",
)
sweeps = Registry(
    "sweeps",
    "Run by safeguarding_scan before the rules: functions (today) -> int that write rows the "
    "rules then look at (for example, opening release plans 12 weeks before release).",
)

after_work_refresh = Registry(
    "after_work_refresh",
    "Run once work items have been raised and resolved: after a change to a case commits (the "
    "gate), after a check-in answer, and at the end of safeguarding_scan. Functions "
    "(person_ids: list[int] | None) -> int, None meaning everyone; they act on the current "
    "time (for example, emailing an alert about each new urgent item).",
)

caseload_filters = Registry(
    "caseload_filters",
    "Filters an area adds to the caseload: functions (today) -> list of (key, label, function "
    "() -> Q on Person, called only when the filter is chosen), offered beside the caseload's "
    "own (for example, 'at risk to self').",
)
caseload_columns = Registry(
    "caseload_columns",
    "Columns an area adds to the caseload table: objects with ``label``, ``cell(person)`` (the "
    "cell's markup, a SafeString) and ``annotate(people, today)`` adding what the cell shows "
    "in the same SQL statement as the page.",
)

navigation_counts = Registry(
    "navigation_counts",
    "Counts shown beside a navigation link: (url name, function (user) -> int) pairs, for "
    "example the user's open urgent work beside My work, counted within what they may see.",
)
appointment_booking_notices = Registry(
    "appointment_booking_notices",
    "Shown on the page that books an appointment: functions (request, person) -> Section | "
    "None (a template and its context; for example, the person's wish not to be seen at the "
    "office and the alternatives they would accept).",
)

ALL = (
    person_sections,
    work_item_rules,
    work_item_conditions,
    on_death,
    sweeps,
    after_work_refresh,
    caseload_filters,
    caseload_columns,
    navigation_counts,
    appointment_booking_notices,
)
