import pytest

from tests.helpers.handoff import make_territory


@pytest.fixture
def territory():
    return make_territory()
