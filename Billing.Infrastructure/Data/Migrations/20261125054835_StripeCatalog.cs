using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class StripeCatalog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "stripe_catalog",
                columns: table => new
                {
                    lookup_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    plan = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    metric = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    stripe_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    product_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    synced_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stripe_catalog", x => x.lookup_key);
                });

            migrationBuilder.CreateIndex(
                name: "ix_stripe_catalog_stripe_id",
                table: "stripe_catalog",
                column: "stripe_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "stripe_catalog");
        }
    }
}
