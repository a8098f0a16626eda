import itertools

import pytest

from tests.identity.oidc import oidc_settings, running_provider

_subjects = itertools.count(1)


@pytest.fixture(scope="session")
def provider_url():
    with running_provider() as base:
        yield base


@pytest.fixture
def sso(settings, provider_url):
    """Single sign-on switched on against the local provider."""
    for name, value in oidc_settings(provider_url).items():
        setattr(settings, name, value)
    return provider_url


@pytest.fixture
def subject():
    """A subject no other test has used at the (shared) provider."""
    return f"subject-{next(_subjects):04d}"
