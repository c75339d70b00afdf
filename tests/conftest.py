import os as _os
import uuid as _uuid

# Fixture modules shared across directories; helpers (constants, clients) are plain imports
# from tests/helpers.
pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.redis",
    "tests.fixtures.app",
    "tests.fixtures.channels",
    "tests.fixtures.nlu_server",
    "tests.fixtures.console",
    "tests.fixtures.browser",
    "tests.fixtures.town",
]

# Redis keys of the tests' own, whatever the shell says: the default prefix `passerelle` is
# the deployment's, so a test run on a host with a deployment would change its limits. Set
# before any test runs, so that Settings() and every `python -m bot` a test starts inherit it.
_os.environ["RATE_LIMIT_PREFIX"] = f"test-{_uuid.uuid4().hex}"
