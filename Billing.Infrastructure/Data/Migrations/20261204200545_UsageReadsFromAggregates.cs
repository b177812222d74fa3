using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Usage reads take whole minutes from <c>usage_aggregates</c>: the tenant role (the API's reads of its own usage)
    /// may now select its windows, under the tenant policy it already has there; docs/security.md says why.
    /// </summary>
    public partial class UsageReadsFromAggregates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "last_event_id",
                table: "usage_aggregates",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateIndex(
                name: "ix_usage_events_pending_by_tenant",
                table: "usage_events",
                columns: new[] { "tenant_id", "metric", "occurred_at" },
                filter: "aggregated_at IS NULL");

            migrationBuilder.Sql($"GRANT SELECT ON usage_aggregates TO {DatabaseRoles.Tenant};");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"REVOKE SELECT ON usage_aggregates FROM {DatabaseRoles.Tenant};");

            migrationBuilder.DropIndex(
                name: "ix_usage_events_pending_by_tenant",
                table: "usage_events");

            migrationBuilder.DropColumn(
                name: "last_event_id",
                table: "usage_aggregates");
        }
    }
}
