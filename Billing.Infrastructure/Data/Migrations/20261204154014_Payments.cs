using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class Payments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "collection_method",
                table: "subscriptions",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "charge_automatically");

            migrationBuilder.AddColumn<int>(
                name: "days_until_due",
                table: "subscriptions",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "payment_method_brand",
                table: "subscriptions",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "payment_method_exp_month",
                table: "subscriptions",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "payment_method_exp_year",
                table: "subscriptions",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "payment_method_id",
                table: "subscriptions",
                type: "character varying(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "payment_method_last4",
                table: "subscriptions",
                type: "character varying(4)",
                maxLength: 4,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "attempt_count",
                table: "invoices",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "due_date",
                table: "invoices",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_payment_attempt",
                table: "invoices",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "collection_method",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "days_until_due",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "payment_method_brand",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "payment_method_exp_month",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "payment_method_exp_year",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "payment_method_id",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "payment_method_last4",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "attempt_count",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "due_date",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "next_payment_attempt",
                table: "invoices");
        }
    }
}
