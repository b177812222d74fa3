#!/usr/bin/env bash
# Builds everything and runs every .NET and web test; the last line is "N passed, N failed".
# The browser end-to-end run (billing-web/e2e) is started by tests/Billing.AppHost.Tests against the whole system.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash eng/prerequisites.sh --browser --kubectl || exit 1

export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="$repo/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

echo "== build"
dotnet build Billing.Aspire.sln -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0
count() { # adds "Passed: N" / "Failed: N" from a dotnet test summary, or one failure if none printed
  local log=$1 p f
  p=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  f=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  if ! grep -qE 'Total tests: +[0-9]+' "$log"; then f=$((f + 1)); fi
  passed=$((passed + p)); failed=$((failed + f))
}

for project in tests/*.Tests; do
  name=$(basename "$project")
  echo "== $name"
  log="$results/$name.log"
  filter=()
  # The whole reliability suite takes about 12 minutes and has its own command (eng/reliability.sh); here its quick subset.
  [ "$name" = Billing.Reliability.Tests ] && filter=(--filter "Reliability=Quick")
  dotnet test "$project" --no-build -nologo --blame-hang-timeout 10m "${filter[@]}" \
    --logger "console;verbosity=normal" --results-directory "$results" 2>&1 | tee "$log" \
    | grep -E '^\s*(Failed |Passed!|Failed!|Error Message|\s+at Billing)|Total tests|error' || true
  count "$log"
done

echo "== billing-web"
log="$results/billing-web.log"
# Colour codes would split the summary line that is counted below.
(cd billing-web && NO_COLOR=1 FORCE_COLOR=0 npm test --silent 2>&1) | sed 's/\x1b\[[0-9;]*m//g' | tee "$log" | tail -n 15
web_passed=$(grep -Eo 'Tests +([0-9]+ failed \| )?[0-9]+ passed' "$log" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' | tail -1)
web_failed=$(grep -Eo 'Tests +[0-9]+ failed' "$log" | grep -Eo '[0-9]+' | tail -1)
if [ -z "$web_passed" ] && [ -z "$web_failed" ]; then web_failed=1; fi
passed=$((passed + ${web_passed:-0})); failed=$((failed + ${web_failed:-0}))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
