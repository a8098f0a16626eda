"""The fake Notify server on a real socket, in a thread, for tests."""

from types import SimpleNamespace

import pytest

from safeguard.notify.fake_server import FakeNotifyState, start_in_thread

SERVICE_ID = "8b3aa916-ec82-434e-b0c5-d5d9b371d6a3"
SECRET = "4fd0f6b2-8b0e-4f3c-9f52-6f3c2f0e8c11"
TEST_API_KEY = f"safeguard_test-{SERVICE_ID}-{SECRET}"
OTHER_KEY = f"someone_else-{SERVICE_ID}-0e0e0e0e-1111-4222-8333-444444444444"


def run_fake_notify(settings, **state_options):
    state = FakeNotifyState(TEST_API_KEY, **state_options)
    server = start_in_thread(state)
    settings.NOTIFY_API_KEY = TEST_API_KEY
    settings.NOTIFY_BASE_URL = server.url
    settings.NOTIFY_RATE_PER_MINUTE = 0  # tests do not wait between sends
    return SimpleNamespace(state=state, url=server.url, server=server)


@pytest.fixture
def fake_notify(settings):
    fake = run_fake_notify(settings)
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def no_notify_key(settings):
    settings.NOTIFY_API_KEY = ""
