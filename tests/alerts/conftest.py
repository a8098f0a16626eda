import pytest

from tests.notify.fakes import fake_notify, no_notify_key  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _only_these_rules(registries):
    """Changes here refresh the case's work items after commit: keep to the check-in rules
    (the urgent ones the alerts are tested with), so other areas' rules cannot interfere."""
    registries.work_item_rules.limit_to("engagement", "notify")


@pytest.fixture
def staff(org):
    """The org's staff, each with a work email address."""
    for member in org["staff"].values():
        member.email = f"{member.username}@justice.example"
        member.save(update_fields=["email"])
    return org["staff"]


@pytest.fixture
def person(org, staff):
    person = org["people"]["mine"]
    person.email = "alex@example.com"
    person.mobile = "07700 900123"
    person.save()
    return person
