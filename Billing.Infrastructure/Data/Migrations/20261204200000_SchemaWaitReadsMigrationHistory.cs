using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// A deployment starts the API and the worker only once the schema holds every migration they were built for: their
    /// pods' init container (the migration service's <c>--wait-for-schema</c>) asks EF Core on the service's own login,
    /// which reads the migration history (docs/security.md, Grants). The runtime logins are NOINHERIT, so the grant is
    /// theirs directly.
    /// </summary>
    [DbContext(typeof(BillingDbContext))]
    [Migration("20261204200000_SchemaWaitReadsMigrationHistory")]
    public partial class SchemaWaitReadsMigrationHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"""
                GRANT SELECT ON "__EFMigrationsHistory" TO {DatabaseRoles.Api}, {DatabaseRoles.Worker};
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"""
                REVOKE SELECT ON "__EFMigrationsHistory" FROM {DatabaseRoles.Api}, {DatabaseRoles.Worker};
                """);
    }
}
