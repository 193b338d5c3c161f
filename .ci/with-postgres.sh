#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL (.ci/postgres.sh) on PORT (default 55433), its
# connection string in LOOKUP_ADAPTOR_TEST_POSTGRES; the server is stopped and removed after.
#
#   .ci/with-postgres.sh make test
set -euo pipefail
port=${PGPORT_TEST:-55433}
dir=$(mktemp -d)
trap '"$(dirname "$0")/postgres.sh" stop "$dir"; rm -rf "$dir"' EXIT
LOOKUP_ADAPTOR_TEST_POSTGRES=$("$(dirname "$0")/postgres.sh" start "$dir" "$port")
export LOOKUP_ADAPTOR_TEST_POSTGRES
"$@"
