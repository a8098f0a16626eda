import pytest

from tests.notify.fakes import fake_notify, no_notify_key  # noqa: F401 (fixtures)

OWN_RULES = ("safeguard.engagement.", "safeguard.notify.")


@pytest.fixture(autouse=True)
def _only_our_work_item_rules(settings):
    """Changes here refresh the case's work items after commit, which runs every registered
    rule. Keep to this area's rules so that other areas' rules cannot make these tests fail."""
    settings.SAFEGUARD_WORK_ITEM_RULES = [
        r for r in settings.SAFEGUARD_WORK_ITEM_RULES if r.startswith(OWN_RULES)
    ]
