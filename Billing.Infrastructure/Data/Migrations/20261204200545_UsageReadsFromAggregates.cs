using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_usage_events_pending_by_tenant",
                table: "usage_events");

            migrationBuilder.DropColumn(
                name: "last_event_id",
                table: "usage_aggregates");
        }
    }
}
