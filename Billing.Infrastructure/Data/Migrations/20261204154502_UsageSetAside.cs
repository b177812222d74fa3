using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Events whose aggregation fails whatever the retry are set aside (<c>set_aside_at</c>, <c>set_aside_reason</c>)
    /// instead of failing every tenant's batch, and a window may hold no more than a period may
    /// (<c>UsageEventRules.MaxPeriodTotal</c>). The constraint is added <c>NOT VALID</c>: a database that already holds a
    /// larger window still migrates, and the next fold into that window fails and is set aside.
    /// </summary>
    public partial class UsageSetAside : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "set_aside_at",
                table: "usage_events",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "set_aside_reason",
                table: "usage_events",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_usage_events_set_aside",
                table: "usage_events",
                column: "id",
                filter: "set_aside_at IS NOT NULL");

            migrationBuilder.Sql("""
                ALTER TABLE usage_aggregates ADD CONSTRAINT ck_usage_aggregates_value_within_period_total
                  CHECK (value <= 9007199254740991) NOT VALID;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_usage_events_set_aside",
                table: "usage_events");

            migrationBuilder.DropCheckConstraint(
                name: "ck_usage_aggregates_value_within_period_total",
                table: "usage_aggregates");

            migrationBuilder.DropColumn(
                name: "set_aside_at",
                table: "usage_events");

            migrationBuilder.DropColumn(
                name: "set_aside_reason",
                table: "usage_events");
        }
    }
}
