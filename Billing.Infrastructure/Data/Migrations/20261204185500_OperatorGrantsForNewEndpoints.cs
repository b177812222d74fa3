using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Two operator endpoints that came with the ingestion limits and payments (docs/security.md, Grants):
    /// <c>GET /metering/dead-letters</c> reads set-aside events across tenants, and
    /// <c>PUT /tenants/{id}/collection</c> sets how a tenant pays (those two columns only).
    /// </summary>
    [DbContext(typeof(BillingDbContext))]
    [Migration("20261204185500_OperatorGrantsForNewEndpoints")]
    public partial class OperatorGrantsForNewEndpoints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"""
                GRANT SELECT ON usage_events TO {DatabaseRoles.Operator};
                GRANT UPDATE (collection_method, days_until_due, updated_at) ON subscriptions TO {DatabaseRoles.Operator};
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"""
                REVOKE SELECT ON usage_events FROM {DatabaseRoles.Operator};
                REVOKE UPDATE (collection_method, days_until_due, updated_at) ON subscriptions FROM {DatabaseRoles.Operator};
                """);
    }
}
