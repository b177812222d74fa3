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
                {TenantTableSecurity.Sql("alert_detection_retries")}
                GRANT SELECT, INSERT, UPDATE, DELETE ON alert_detection_retries TO {DatabaseRoles.Worker};
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("DROP TABLE alert_detection_retries;");
    }
}
