using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// The tenants whose alert detection failed, kept for the next run to evaluate again: detection moves its cursor on
    /// past a failing tenant instead of holding every tenant's window open behind it. Written by hand-written SQL only
    /// (<c>Billing.Infrastructure/Alerts/AlertDetectionRetries.cs</c>); a tenant table like the others (forced row-level
    /// security, the four policies), reached by the worker alone (docs/security.md, Grants).
    /// </summary>
    [DbContext(typeof(BillingDbContext))]
    [Migration("20261204230000_AlertDetectionRetries")]
    public partial class AlertDetectionRetries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"""
                CREATE TABLE alert_detection_retries (
                    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
                    failures integer NOT NULL,
                    first_failed_at timestamp with time zone NOT NULL,
                    last_failed_at timestamp with time zone NOT NULL,
                    last_error text NOT NULL
                );
                ALTER TABLE alert_detection_retries ENABLE ROW LEVEL SECURITY;
                ALTER TABLE alert_detection_retries FORCE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON alert_detection_retries TO {DatabaseRoles.Tenant}
                  USING (tenant_id = nullif(current_setting('{DatabaseRoles.TenantSetting}', true), '')::uuid)
                  WITH CHECK (tenant_id = nullif(current_setting('{DatabaseRoles.TenantSetting}', true), '')::uuid);
                CREATE POLICY operator_all_tenants ON alert_detection_retries TO {DatabaseRoles.Operator} USING (true) WITH CHECK (true);
                CREATE POLICY worker_all_tenants ON alert_detection_retries TO {DatabaseRoles.Worker} USING (true) WITH CHECK (true);
                CREATE POLICY owner_all_tenants ON alert_detection_retries TO CURRENT_USER USING (true) WITH CHECK (true);
                GRANT SELECT, INSERT, UPDATE, DELETE ON alert_detection_retries TO {DatabaseRoles.Worker};
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("DROP TABLE alert_detection_retries;");
    }
}
