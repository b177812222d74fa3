#!/usr/bin/env bash
# Starts the whole system: PostgreSQL, Redis, migrations, API, worker, the Stripe emulator and
# the web app, under the Aspire AppHost. Ctrl-C stops everything.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/eng/prerequisites.sh"

cd "$repo"
dotnet build Billing.AppHost -v quiet -nologo
exec dotnet run --project Billing.AppHost --no-build --launch-profile http "$@"
