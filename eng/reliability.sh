#!/usr/bin/env bash
# The reliability suite (tests/Billing.Reliability.Tests): PostgreSQL, Redis, the Stripe emulator, two APIs and two
# workers as separate processes; each scenario injects a fault under load (kill -9, restarts, freezes, outages, Stripe
# errors, replayed webhooks), drains, and checks Σ confirmed = Σ usage_events = Σ aggregates = Σ at Stripe.
# Prints the table (also in artifacts/reliability/table.md). About 12 minutes on 2 cores before scenario 3c, which adds
# some 2.5; eng/test.sh runs only the quick subset. Usage: eng/reliability.sh [dotnet test filter], e.g. eng/reliability.sh "FullyQualifiedName~Redis"
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash eng/prerequisites.sh || exit 1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/Billing.Reliability.Tests -nologo -v quiet || exit 1
rm -f artifacts/reliability/table.md
filter=()
[ $# -gt 0 ] && filter=(--filter "$1")
dotnet test tests/Billing.Reliability.Tests --no-build -nologo --blame-hang-timeout 20m \
  --logger "console;verbosity=normal" "${filter[@]}"
status=$?
echo
cat artifacts/reliability/table.md 2>/dev/null || echo "no scenario finished"
exit $status
