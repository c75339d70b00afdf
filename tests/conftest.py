import importlib.util

pytest_plugins = ["tests.fixtures.db"]
# Fixture modules owned by other packages join as they appear.
for _name in ("tests.fixtures.nlu_server", "tests.fixtures.app"):
    if importlib.util.find_spec(_name) is not None:
        pytest_plugins.append(_name)
