using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Row-level security on every tenant table: the <c>billing_tenant</c> role (which tenant requests
    /// switch to) sees and writes only the rows of <c>app.tenant_id</c>; with no tenant set it sees nothing.
    /// Forced security, the cross-tenant roles' policies and narrow grants came later, with <c>LeastPrivilegeRoles</c>.
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
            // Roles belong to the cluster, not the database: databases migrating at once may race to create it. Since the
            // LeastPrivilegeRoles migration a superuser creates the roles, and the owner that migrates may not: it only
            // creates the role when it is missing, and the API's login, not the owner, is made a member of it.
            migrationBuilder.Sql("""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'billing_tenant') THEN
                    CREATE ROLE billing_tenant NOLOGIN;
                  END IF;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                END $$;
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
