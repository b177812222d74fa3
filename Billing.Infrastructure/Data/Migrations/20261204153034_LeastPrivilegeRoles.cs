using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Least privilege: row-level security forced on every tenant table (the owner is subject to it too), an explicit
    /// policy for each role that works across tenants, and each role granted only what its code does. The roles
    /// themselves are created beforehand by a superuser (<see cref="DatabaseLogins"/>, docs/security.md): the owner
    /// that runs this may not create roles. Every table added later needs its grants here too, or no service reaches it.
    /// </summary>
    public partial class LeastPrivilegeRoles : Migration
    {
        private static readonly string[] TenantTables =
        [
            "tenants", "api_keys", "subscriptions", "usage_events", "usage_aggregates", "meter_submissions",
            "meter_reconciliations", "invoices", "invoice_lines", "usage_alerts", "audit_log",
        ];

        /// <summary>The roles that see every tenant's rows, each through a policy of its own.</summary>
        private static readonly (string Policy, string Role)[] CrossTenantPolicies =
        [
            ("operator_all_tenants", DatabaseRoles.Operator),
            ("worker_all_tenants", DatabaseRoles.Worker),
            // The owner, which runs this: seeding and data migrations must not silently see no rows.
            ("owner_all_tenants", "CURRENT_USER"),
        ];

        /// <summary>Role, table, privileges: docs/security.md says why for each line.</summary>
        private static readonly (string Role, string Table, string Privileges)[] Grants =
        [
            (DatabaseRoles.Api, "webhook_events", "INSERT"),
            (DatabaseRoles.Api, "stripe_catalog", "SELECT"),

            (DatabaseRoles.Tenant, "tenants", "SELECT, UPDATE (plan, stripe_customer_id, alert_webhook_url, alert_webhook_secret, spend_limit_cents, updated_at)"),
            (DatabaseRoles.Tenant, "api_keys", "SELECT, INSERT, UPDATE"),
            (DatabaseRoles.Tenant, "subscriptions", "SELECT, UPDATE"),
            (DatabaseRoles.Tenant, "usage_events", "SELECT, INSERT, DELETE"),
            (DatabaseRoles.Tenant, "invoices", "SELECT"),
            (DatabaseRoles.Tenant, "invoice_lines", "SELECT"),
            (DatabaseRoles.Tenant, "usage_alerts", "SELECT"),
            (DatabaseRoles.Tenant, "audit_log", "SELECT, INSERT"),

            (DatabaseRoles.Operator, "tenants", "SELECT, INSERT, UPDATE (overrides, updated_at)"),
            (DatabaseRoles.Operator, "api_keys", "SELECT, INSERT, UPDATE"),
            (DatabaseRoles.Operator, "subscriptions", "SELECT, INSERT"),
            (DatabaseRoles.Operator, "audit_log", "SELECT, INSERT"),
            (DatabaseRoles.Operator, "meter_reconciliations", "SELECT"),
            (DatabaseRoles.Operator, "meter_submissions", "SELECT"),

            (DatabaseRoles.Ingest, "usage_events", "INSERT (tenant_id, event_id, metric, value, occurred_at, properties, trace_parent)"),

            (DatabaseRoles.Worker, "tenants", "SELECT, UPDATE (plan, stripe_customer_id, updated_at)"),
            (DatabaseRoles.Worker, "subscriptions", "SELECT, UPDATE"),
            (DatabaseRoles.Worker, "usage_events", "SELECT, UPDATE"),
            (DatabaseRoles.Worker, "usage_aggregates", "SELECT, INSERT, UPDATE"),
            (DatabaseRoles.Worker, "meter_submissions", "SELECT, INSERT, UPDATE"),
            (DatabaseRoles.Worker, "meter_reconciliations", "SELECT, INSERT, UPDATE"),
            (DatabaseRoles.Worker, "invoices", "SELECT, INSERT, UPDATE"),
            (DatabaseRoles.Worker, "invoice_lines", "SELECT, INSERT, DELETE"),
            (DatabaseRoles.Worker, "usage_alerts", "SELECT, INSERT, UPDATE"),
            (DatabaseRoles.Worker, "audit_log", "SELECT, INSERT"),
            (DatabaseRoles.Worker, "webhook_events", "SELECT, UPDATE"),
            (DatabaseRoles.Worker, "stripe_catalog", "SELECT"),
            (DatabaseRoles.Worker, "worker_heartbeats", "SELECT, INSERT, UPDATE"),
        ];

        private static readonly string[] RuntimeRoles =
            [DatabaseRoles.Api, DatabaseRoles.Worker, DatabaseRoles.Tenant, DatabaseRoles.Operator, DatabaseRoles.Ingest];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"""
                DO $$
                DECLARE
                  missing text;
                BEGIN
                  SELECT string_agg(r, ', ') INTO missing FROM unnest(ARRAY['{string.Join("', '", RuntimeRoles)}']) r
                  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r);
                  IF missing IS NOT NULL THEN
                    RAISE EXCEPTION 'The database roles % do not exist: create them before migrating (docs/security.md, "Database roles").', missing;
                  END IF;
                END $$;
                """);
            // The tenant role had every table until now, new ones included: from here on it has only its grants below.
            migrationBuilder.Sql($"""
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {string.Join(", ", RuntimeRoles)};
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {DatabaseRoles.Tenant};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {DatabaseRoles.Tenant};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {DatabaseRoles.Tenant};
                GRANT USAGE ON SCHEMA public TO {string.Join(", ", RuntimeRoles)};
                """);
            foreach (var table in TenantTables)
            {
                migrationBuilder.Sql($"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;");
                foreach (var (policy, role) in CrossTenantPolicies)
                {
                    migrationBuilder.Sql($"CREATE POLICY {policy} ON {table} TO {role} USING (true) WITH CHECK (true);");
                }
            }

            foreach (var (role, table, privileges) in Grants)
            {
                migrationBuilder.Sql($"GRANT {privileges} ON {table} TO {role};");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in TenantTables)
            {
                foreach (var (policy, _) in CrossTenantPolicies)
                {
                    migrationBuilder.Sql($"DROP POLICY IF EXISTS {policy} ON {table};");
                }

                migrationBuilder.Sql($"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;");
            }

            migrationBuilder.Sql($"""
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {string.Join(", ", RuntimeRoles)};
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {DatabaseRoles.Tenant};
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {DatabaseRoles.Tenant};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {DatabaseRoles.Tenant};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {DatabaseRoles.Tenant};
                """);
        }
    }
}
