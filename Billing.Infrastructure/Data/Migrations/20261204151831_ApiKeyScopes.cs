using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Scopes and an optional expiry on API keys. Keys issued before scopes existed keep every scope (they could do
    /// everything until now); the column then has no default, so no later insert gets a scope it was not given.
    /// </summary>
    public partial class ApiKeyScopes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "expires_at",
                table: "api_keys",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string[]>(
                name: "scopes",
                table: "api_keys",
                type: "text[]",
                nullable: false,
                defaultValue: new[] { "ingest", "read", "manage" });

            migrationBuilder.Sql("ALTER TABLE api_keys ALTER COLUMN scopes DROP DEFAULT;");

            migrationBuilder.AddCheckConstraint(
                name: "ck_api_keys_scopes",
                table: "api_keys",
                sql: "cardinality(scopes) > 0 AND scopes <@ ARRAY['ingest', 'read', 'manage']::text[]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_api_keys_scopes",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "expires_at",
                table: "api_keys");

            migrationBuilder.DropColumn(
                name: "scopes",
                table: "api_keys");
        }
    }
}
