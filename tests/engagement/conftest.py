import pytest

from tests.notify.fakes import fake_notify, no_notify_key  # noqa: F401 (fixtures)

OWN_APPS = ("engagement", "notify")


@pytest.fixture(autouse=True)
def _only_our_work_item_rules(registries):
    """Changes here refresh the case's work items after commit, which runs every registered
    rule. Keep to this area's rules so that other areas' rules cannot make these tests fail."""
    registries.work_item_rules.limit_to(*OWN_APPS)
