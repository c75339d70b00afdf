#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, when missing (needs root, as on CI).
set -euo pipefail

missing=()
# The storage tests run against a real PostgreSQL server; the tests start one from these
# binaries when none answers on 127.0.0.1:5432.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The shared rate limits run on Redis; the tests start one when none answers on 6379.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The console's browser tests drive Debian's Chromium with Playwright (no browser download).
test -x /usr/bin/chromium || missing+=(chromium)
# axe-core, which the browser tests inject, comes from the npm registry (package.json).
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}"
fi
