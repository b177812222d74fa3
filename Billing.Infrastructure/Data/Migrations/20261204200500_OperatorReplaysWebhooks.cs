using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// The operator lists Stripe events the inbox gave up on and replays one (docs/security.md, Grants): it reads the
    /// inbox and may reset only an event's status, attempts, next attempt and error.
    /// </summary>
    [DbContext(typeof(BillingDbContext))]
    [Migration("20261204200500_OperatorReplaysWebhooks")]
    public partial class OperatorReplaysWebhooks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"GRANT SELECT, UPDATE (status, attempts, next_attempt_at, error) ON webhook_events TO {DatabaseRoles.Operator};");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"REVOKE SELECT, UPDATE (status, attempts, next_attempt_at, error) ON webhook_events FROM {DatabaseRoles.Operator};");
    }
}
