#!/bin/sh
# Run once by the postgres image on its first start (an empty data volume), as the superuser:
# the owner's login for the migrations Job, and the API's and worker's own logins.
# Until the least-privilege roles of issue 17 land, the owner creates the tenant role in its migration
# (CREATEROLE) and the two runtime logins inherit the owner's privileges; their separate logins and
# Secrets already let each be narrowed without a redeploy.
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v database="$POSTGRES_DB" \
  -v owner_password="$BILLING_OWNER_PASSWORD" \
  -v api_password="$BILLING_API_PASSWORD" \
  -v worker_password="$BILLING_WORKER_PASSWORD" <<'SQL'
CREATE ROLE billing_owner LOGIN NOSUPERUSER NOCREATEDB CREATEROLE PASSWORD :'owner_password';
ALTER DATABASE :"database" OWNER TO billing_owner;
ALTER SCHEMA public OWNER TO billing_owner;
CREATE ROLE billing_api LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE billing_owner PASSWORD :'api_password';
CREATE ROLE billing_worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE billing_owner PASSWORD :'worker_password';
SQL
