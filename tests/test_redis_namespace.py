"""Tests never count in the deployment's Redis namespace (issue 27, item 16)."""

from __future__ import annotations

import os
import subprocess
import sys

from common.settings import Settings
from tests.helpers.app import make_settings

DEPLOYMENT = Settings.model_fields["rate_limit_prefix"].default


def test_settings_read_in_tests_and_processes_they_start_use_a_test_prefix():
    assert DEPLOYMENT == "passerelle"
    assert Settings().rate_limit_prefix.startswith("test-")
    assert make_settings("sqlite://").rate_limit_prefix.startswith("test-")
    # A process a test starts with `dict(os.environ, ...)`, as the process tests do.
    child = subprocess.run(
        [sys.executable, "-c", "from common.settings import Settings; "
                               "print(Settings().rate_limit_prefix)"],
        env=dict(os.environ), capture_output=True, text=True, check=True)
    assert child.stdout.strip().startswith("test-")
