using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Row-level security on every tenant table: the <c>billing_tenant</c> role (which tenant requests
    /// switch to) sees and writes only the rows of <c>app.tenant_id</c>; with no tenant set it sees nothing.
    /// The owner (the services' own login) is not subject to the policies, so the worker and the operator
    /// keep their cross-tenant view.
    /// </summary>
    public partial class RowLevelSecurity : Migration
    {
        private static readonly (string Table, string Column)[] TenantTables =
        [
            ("tenants", "id"),
            ("api_keys", "tenant_id"),
            ("subscriptions", "tenant_id"),
            ("usage_events", "tenant_id"),
            ("usage_aggregates", "tenant_id"),
            ("meter_submissions", "tenant_id"),
            ("invoices", "tenant_id"),
            ("invoice_lines", "tenant_id"),
            ("usage_alerts", "tenant_id"),
            ("audit_log", "tenant_id"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Roles belong to the cluster, not the database: databases migrating at once may race to create it.
            migrationBuilder.Sql("""
                DO $$ BEGIN
                  CREATE ROLE billing_tenant NOLOGIN;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END $$;
                GRANT billing_tenant TO CURRENT_USER;
                GRANT USAGE ON SCHEMA public TO billing_tenant;
                GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO billing_tenant;
                GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO billing_tenant;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO billing_tenant;
                ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO billing_tenant;
                """);
            foreach (var (table, column) in TenantTables)
            {
                migrationBuilder.Sql($"""
                    ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
                    CREATE POLICY tenant_isolation ON {table} TO billing_tenant
                      USING ({column} = nullif(current_setting('app.tenant_id', true), '')::uuid)
                      WITH CHECK ({column} = nullif(current_setting('app.tenant_id', true), '')::uuid);
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _) in TenantTables)
            {
                migrationBuilder.Sql($"DROP POLICY IF EXISTS tenant_isolation ON {table}; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;");
            }
        }
    }
}
