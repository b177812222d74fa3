using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Submission to Stripe: aggregates flag the windows that changed since their bucket was submitted, submissions
    /// carry revisions (late events) and their meter event timestamp, and reconciliations keep the latest comparison
    /// with Stripe per (tenant, metric, period), under the same row-level security as every tenant table.
    /// </summary>
    public partial class MeterSubmissionPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_meter_submissions_tenant_id_metric_bucket_start",
                table: "meter_submissions");

            migrationBuilder.DropIndex(
                name: "ix_meter_submissions_unsent",
                table: "meter_submissions");

            migrationBuilder.AddColumn<bool>(
                name: "submission_pending",
                table: "usage_aggregates",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "usage_aggregates",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "event_timestamp",
                table: "meter_submissions",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_attempt_at",
                table: "meter_submissions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_attempt_at",
                table: "meter_submissions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "revision",
                table: "meter_submissions",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "meter_submissions",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "meter_reconciliations",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    metric = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    compared_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    local_value = table.Column<long>(type: "bigint", nullable: false),
                    submitted_value = table.Column<long>(type: "bigint", nullable: false),
                    stripe_value = table.Column<long>(type: "bigint", nullable: false),
                    drift = table.Column<long>(type: "bigint", nullable: false),
                    in_flight = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    final = table.Column<bool>(type: "boolean", nullable: false),
                    checked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_meter_reconciliations", x => new { x.tenant_id, x.metric, x.period_start });
                    table.ForeignKey(
                        name: "fk_meter_reconciliations_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_usage_aggregates_submission_pending",
                table: "usage_aggregates",
                column: "window_start",
                filter: "submission_pending");

            migrationBuilder.CreateIndex(
                name: "ix_meter_submissions_pending",
                table: "meter_submissions",
                column: "next_attempt_at",
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_meter_submissions_tenant_id_metric_bucket_start_revision",
                table: "meter_submissions",
                columns: new[] { "tenant_id", "metric", "bucket_start", "revision" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_meter_submissions_tenant_id_metric_event_timestamp",
                table: "meter_submissions",
                columns: new[] { "tenant_id", "metric", "event_timestamp" });

            migrationBuilder.CreateIndex(
                name: "ix_meter_reconciliations_checked_at",
                table: "meter_reconciliations",
                column: "checked_at",
                descending: new bool[0]);

            migrationBuilder.Sql("""
                ALTER TABLE meter_reconciliations ENABLE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON meter_reconciliations TO billing_tenant
                  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
                  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "meter_reconciliations");

            migrationBuilder.DropIndex(
                name: "ix_usage_aggregates_submission_pending",
                table: "usage_aggregates");

            migrationBuilder.DropIndex(
                name: "ix_meter_submissions_pending",
                table: "meter_submissions");

            migrationBuilder.DropIndex(
                name: "ix_meter_submissions_tenant_id_metric_bucket_start_revision",
                table: "meter_submissions");

            migrationBuilder.DropIndex(
                name: "ix_meter_submissions_tenant_id_metric_event_timestamp",
                table: "meter_submissions");

            migrationBuilder.DropColumn(
                name: "submission_pending",
                table: "usage_aggregates");

            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "usage_aggregates");

            migrationBuilder.DropColumn(
                name: "event_timestamp",
                table: "meter_submissions");

            migrationBuilder.DropColumn(
                name: "first_attempt_at",
                table: "meter_submissions");

            migrationBuilder.DropColumn(
                name: "next_attempt_at",
                table: "meter_submissions");

            migrationBuilder.DropColumn(
                name: "revision",
                table: "meter_submissions");

            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "meter_submissions");

            migrationBuilder.CreateIndex(
                name: "ix_meter_submissions_tenant_id_metric_bucket_start",
                table: "meter_submissions",
                columns: new[] { "tenant_id", "metric", "bucket_start" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_meter_submissions_unsent",
                table: "meter_submissions",
                column: "created_at",
                filter: "status <> 'sent'");
        }
    }
}
