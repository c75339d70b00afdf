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
