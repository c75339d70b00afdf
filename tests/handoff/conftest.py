import pytest

from tests.handoff.support import make_territory


@pytest.fixture
def territory():
    return make_territory()
