import pytest

from tests.notify.fakes import no_notify_key  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _no_notify(no_notify_key):  # noqa: F811
    """Messages written here stay queued: nothing tries to reach Notify."""
