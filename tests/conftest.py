import os
from contextlib import ExitStack

import pytest

from safeguard.core.models import Role
from tests.factories import PersonFactory, StaffFactory, team_in


@pytest.fixture
def home_team(db):
    return team_in("KSS", 0)


@pytest.fixture
def other_team_same_pdu(home_team):
    return home_team.pdu.teams.exclude(pk=home_team.pk).order_by("name").first()


@pytest.fixture
def far_team(db):
    """A team in another region."""
    return team_in("NE", 0)


@pytest.fixture
def org(db, home_team, other_team_same_pdu, far_team):
    """One member of staff in each role around ``home_team``, and people placed to test scope."""
    pdu = home_team.pdu
    region = pdu.region
    staff = {
        "practitioner": StaffFactory(username="pp", role=Role.PRACTITIONER, teams=[home_team]),
        "colleague": StaffFactory(username="pp2", role=Role.PRACTITIONER, teams=[home_team]),
        "spo": StaffFactory(username="spo", role=Role.SENIOR_PROBATION_OFFICER, teams=[home_team]),
        "other_team_pp": StaffFactory(
            username="pp3", role=Role.PRACTITIONER, teams=[other_team_same_pdu]
        ),
        "head": StaffFactory(username="head", role=Role.HEAD_OF_PDU, pdu=pdu),
        "regional": StaffFactory(username="regional", role=Role.REGIONAL_LEAD, region=region),
        "far_regional": StaffFactory(
            username="far_regional", role=Role.REGIONAL_LEAD, region=far_team.pdu.region
        ),
        "national": StaffFactory(username="national", role=Role.NATIONAL),
        "inspector": StaffFactory(username="inspector", role=Role.INSPECTOR),
        "admin": StaffFactory(username="admin", role=Role.ADMIN, is_staff=True),
        "no_role": StaffFactory(username="norole", role=""),
    }
    people = {
        "mine": PersonFactory(
            crn="A000001", team=home_team, practitioner=staff["practitioner"], last_name="Mine"
        ),
        "colleagues": PersonFactory(
            crn="A000002", team=home_team, practitioner=staff["colleague"], last_name="Colleague"
        ),
        "same_pdu": PersonFactory(
            crn="A000003",
            team=other_team_same_pdu,
            practitioner=staff["other_team_pp"],
            last_name="Neighbour",
        ),
        "far": PersonFactory(crn="A000004", team=far_team, last_name="Faraway"),
    }
    return {"staff": staff, "people": people, "team": home_team}


# What the catalogue loaders write into emptied tables, taken once: {model: [field values]}.
_catalogue_rows: dict | None = None
# The first transactional test starts from the migrated database, not an emptied one.
_migrated_database_in_use = True


def _load_catalogues():
    from safeguard.assessments.models import QuestionnaireVersion
    from safeguard.assessments.questionnaires import load_versions
    from safeguard.core.organisation import load_organisation
    from safeguard.learning.catalogue import load_learning_catalogues
    from safeguard.referrals.catalogue import load_agencies
    from safeguard.registrations.catalogue import load_register_types

    load_organisation()
    load_register_types()
    load_agencies()
    load_versions(QuestionnaireVersion)  # every published version
    load_learning_catalogues()


def _stored_models():
    from django.apps import apps

    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _attnames(model):
    return [field.attname for field in model._meta.concrete_fields]


@pytest.fixture(autouse=True)
def _catalogues_after_flush(request):
    """Transactional tests empty every table when they finish, the catalogues that migrations
    load included; pytest-django runs them last, so each one reloads what it needs first.

    The loaders make a few thousand queries (one update_or_create a row), some 3 to 5 s a test
    on PostgreSQL; so what they write into emptied tables is noted once (at the second
    transactional test: the first starts from the migrated database, not an emptied one) and
    put back with one bulk insert a table after that."""
    global _catalogue_rows, _migrated_database_in_use
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from django.db import transaction

    if _migrated_database_in_use:
        _migrated_database_in_use = False
        _load_catalogues()
        return
    if _catalogue_rows is None:
        # Only tables the loaders filled: the flush itself refills some (content types and
        # permissions, from post_migrate), and those it puts back again every time.
        empty = [model for model in _stored_models() if not model._base_manager.exists()]
        _load_catalogues()
        _catalogue_rows = {
            model: rows
            for model in empty
            if (rows := list(model._base_manager.values(*_attnames(model))))
        }
        return
    with transaction.atomic():  # foreign keys are checked at commit, so any order will do
        for model, rows in _catalogue_rows.items():
            model._base_manager.bulk_create([model(**row) for row in rows])


class _RegistryChange:
    def __init__(self, registry, stack: ExitStack):
        self._registry = registry
        self._stack = stack

    def limit_to(self, *apps: str):
        """Only what these apps registered (by app label)."""
        self._stack.enter_context(self._registry.limited_to(*apps))

    def replace(self, *items):
        """Exactly these entries, in this order."""
        self._stack.enter_context(self._registry.replaced_by(*items))

    def add(self, item, *, order: int = -1):
        """One more entry (first, unless ``order`` places it)."""
        self._stack.enter_context(self._registry.added(item, order=order))


class _RegistryChanges:
    def __init__(self, stack: ExitStack):
        from safeguard.core import registry

        for each in registry.ALL:
            setattr(self, each.name, _RegistryChange(each, stack))


@pytest.fixture
def registries():
    """Change what apps registered in ``safeguard.core.registry`` for one test, as the
    ``settings`` fixture does for settings: ``registries.work_item_rules.limit_to("notify")``.
    Everything is put back when the test ends."""
    with ExitStack() as stack:
        yield _RegistryChanges(stack)


@pytest.fixture(autouse=True)
def _fast_axes(settings):
    settings.AXES_FAILURE_LIMIT = 5


def pytest_collection_modifyitems(config, items):
    # Browser tests need the real Chromium; say why they are skipped where it is missing.
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        skip = pytest.mark.skip(
            reason=f"Chromium not installed at {chromium} (apt-get install chromium)"
        )
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _delete_rather_than_truncate_on_postgresql():
    """Transactional tests (the browser tests among them) empty every table when they finish.
    PostgreSQL's TRUNCATE gives each of some 250 tables a new file, about 9 s a test on CI's
    machine; a DELETE of the few rows a test wrote takes a fraction of that. The end is the
    same: every table empty, sequences left as they are (Django's flush does not reset them
    either), and the foreign keys, deferred to commit, checked then."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate
