using System.Text.RegularExpressions;
using Billing.Infrastructure.Data;
using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Data;

/// <summary>
/// The services' database logins hold least privilege: no superuser, no bypass, no ownership; nothing they can do
/// alters, drops or empties a table or takes them beyond their roles; and what each may touch is exactly the table
/// in docs/security.md.
/// </summary>
public sealed partial class DatabaseRolesTests(MigratedDatabase migrated) : IClassFixture<MigratedDatabase>
{
    private static readonly string[] RuntimeRoles =
        [DatabaseRoles.Api, DatabaseRoles.Worker, DatabaseRoles.Tenant, DatabaseRoles.Operator, DatabaseRoles.Ingest];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A connection as <paramref name="login"/>, having taken on <paramref name="role"/> as the API does (none: the login itself).</summary>
    private static async Task<NpgsqlConnection> ConnectAsync(TestDatabase database, string login, string? role = null)
    {
        var connection = new NpgsqlConnection(login == DatabaseRoles.Worker ? database.Worker : database.Api);
        await connection.OpenAsync(Token);
        if (role is not null)
        {
            await using var set = new NpgsqlCommand($"SELECT set_config('app.tenant_id', '{Guid.NewGuid()}', false); SET ROLE {role};", connection);
            await set.ExecuteNonQueryAsync(Token);
        }

        return connection;
    }

    private static async Task<PostgresException> RefusedAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Token));
    }

    [Theory]
    [InlineData(DatabaseRoles.Api)]
    [InlineData(DatabaseRoles.Worker)]
    public async Task A_runtime_login_is_no_superuser_bypasses_no_policy_and_owns_nothing(string login)
    {
        var database = migrated.Database;
        await using var connection = await ConnectAsync(database, login);
        await using var command = new NpgsqlCommand("""
            SELECT current_user, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
                   (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid),
                   (SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid)
            FROM pg_roles r WHERE r.rolname = current_user
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));

        Assert.Equal((login, false, false, false, false, 0L, 0L),
            (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4), reader.GetInt64(5), reader.GetInt64(6)));
    }

    public static TheoryData<string, string?, string> Escalations()
    {
        var data = new TheoryData<string, string?, string>();
        (string Login, string? Role)[] sessions =
        [
            (DatabaseRoles.Api, null), (DatabaseRoles.Api, DatabaseRoles.Tenant), (DatabaseRoles.Api, DatabaseRoles.Operator),
            (DatabaseRoles.Api, DatabaseRoles.Ingest), (DatabaseRoles.Worker, null),
        ];
        string[] statements =
        [
            "ALTER TABLE usage_events ADD COLUMN smuggled int",
            "ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY",
            "DROP POLICY tenant_isolation ON usage_events",
            "DROP TABLE usage_events",
            "TRUNCATE usage_events",
            "TRUNCATE tenants CASCADE",
            "CREATE TABLE smuggled (id int)",
            $"SET ROLE {DatabaseRoles.Owner}",
            "SET ROLE postgres",
            "SET SESSION AUTHORIZATION postgres",
        ];
        foreach (var (login, role) in sessions)
        {
            foreach (var statement in statements)
            {
                data.Add(login, role, statement);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Escalations))]
    public async Task A_runtime_login_in_any_of_its_roles_can_neither_alter_drop_truncate_nor_become_more(string login, string? role, string statement)
    {
        var database = migrated.Database;
        await using var connection = await ConnectAsync(database, login, role);

        var refused = await RefusedAsync(connection, statement);

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task After_RESET_ROLE_a_tenant_session_is_the_api_login_which_reaches_no_tenant_table()
    {
        var database = migrated.Database;
        await using var connection = await ConnectAsync(database, DatabaseRoles.Api, DatabaseRoles.Tenant);
        await using (var reset = new NpgsqlCommand("RESET ROLE", connection))
        {
            await reset.ExecuteNonQueryAsync(Token);
        }

        foreach (var table in TenantTables)
        {
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await RefusedAsync(connection, $"SELECT count(*) FROM {table}")).SqlState);
        }
    }

    [Theory]
    [InlineData("webhook_events")]
    [InlineData("stripe_catalog")]
    [InlineData("worker_heartbeats")]
    [InlineData("\"__EFMigrationsHistory\"")]
    public async Task The_tenant_role_reaches_no_table_without_a_tenant_column(string table)
    {
        var database = migrated.Database;
        await using var connection = await ConnectAsync(database, DatabaseRoles.Api, DatabaseRoles.Tenant);

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await RefusedAsync(connection, $"SELECT count(*) FROM {table}")).SqlState);
    }

    [Fact]
    public async Task The_ingestion_role_copies_events_in_but_can_neither_read_change_nor_delete_one()
    {
        var database = migrated.Database;
        await using var connection = await ConnectAsync(database, DatabaseRoles.Api, DatabaseRoles.Ingest);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY usage_events (tenant_id, event_id, metric, value, occurred_at) FROM STDIN (FORMAT BINARY)", Token))
        {
            await copy.WriteRowAsync(Token, Guid.NewGuid(), "copied", "api_calls", 1L, DateTime.UtcNow);
            await copy.CompleteAsync(Token);
        }

        string[] refused =
        [
            "SELECT count(*) FROM usage_events",
            "INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at) VALUES (gen_random_uuid(), 'x', 'api_calls', 1, now()) RETURNING id",
            "INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at, aggregated_at) VALUES (gen_random_uuid(), 'y', 'api_calls', 1, now(), now())",
            "UPDATE usage_events SET value = 0",
            "DELETE FROM usage_events",
            "SELECT count(*) FROM tenants",
        ];
        foreach (var statement in refused)
        {
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await RefusedAsync(connection, statement)).SqlState);
        }

        await using var check = new NpgsqlConnection(database.Superuser);
        await check.OpenAsync(Token);
        await using var stored = new NpgsqlCommand("SELECT array_agg(event_id) FROM usage_events", check);
        Assert.Equal(["copied"], (string[])(await stored.ExecuteScalarAsync(Token))!);
    }

    [Fact]
    public async Task Every_tenant_table_is_reached_across_tenants_only_through_a_policy_for_each_role()
    {
        var database = migrated.Database;
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand("""
            SELECT c.relname, string_agg(p.polname || ':' || pg_get_userbyid(p.polroles[1]), ' ' ORDER BY p.polname)
            FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid
            WHERE c.relname = ANY(@tables)
            GROUP BY c.relname
            """, connection);
        command.Parameters.AddWithValue("tables", TenantTables);
        var policies = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync(Token);
        while (await reader.ReadAsync(Token))
        {
            policies[reader.GetString(0)] = reader.GetString(1);
        }

        Assert.Equal(TenantTables.Order(), policies.Keys.Order());
        Assert.All(policies.Values, p => Assert.Equal(
            $"operator_all_tenants:{DatabaseRoles.Operator} owner_all_tenants:{DatabaseRoles.Owner} tenant_isolation:{DatabaseRoles.Tenant} worker_all_tenants:{DatabaseRoles.Worker}", p));
    }

    [Fact]
    public async Task The_grants_are_exactly_the_table_of_docs_security()
    {
        var database = migrated.Database;
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(Token);
        await using var command = new NpgsqlCommand("""
            SELECT r.rolname || '|' || c.relname || '|' || a.privilege_type
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
            WHERE n.nspname = 'public' AND r.rolname = ANY(@roles)
            UNION ALL
            SELECT r.rolname || '|' || c.relname || '|' || a.privilege_type || '(' || t.attname || ')'
            FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
                 aclexplode(t.attacl) a JOIN pg_roles r ON r.oid = a.grantee
            WHERE n.nspname = 'public' AND r.rolname = ANY(@roles)
            """, connection);
        command.Parameters.AddWithValue("roles", RuntimeRoles);
        var granted = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Token);
        while (await reader.ReadAsync(Token))
        {
            granted.Add(reader.GetString(0));
        }

        Assert.Equal(DocumentedGrants().Order(), granted.Order());
    }

    private static readonly string[] TenantTables =
    [
        "tenants", "api_keys", "subscriptions", "usage_events", "usage_event_ids", "usage_aggregates", "usage_aggregates_hourly", "meter_submissions",
        "meter_reconciliations", "invoices", "invoice_lines", "usage_alerts", "alert_detection_retries", "audit_log",
    ];

    /// <summary>The rows of the grants table in docs/security.md, one <c>role|table|PRIVILEGE[(column)]</c> each.</summary>
    private static IEnumerable<string> DocumentedGrants()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "security.md"));
        var section = text[text.IndexOf("### Grants", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n### ", 1, StringComparison.Ordinal)];
        foreach (Match row in GrantRow().Matches(section))
        {
            var (role, table) = (row.Groups["role"].Value, row.Groups["table"].Value);
            foreach (Match privilege in Privilege().Matches(row.Groups["privileges"].Value))
            {
                var columns = privilege.Groups["columns"];
                if (!columns.Success)
                {
                    yield return $"{role}|{table}|{privilege.Groups["name"].Value}";
                    continue;
                }

                foreach (var column in columns.Value.Split(", "))
                {
                    yield return $"{role}|{table}|{privilege.Groups["name"].Value}({column})";
                }
            }
        }
    }

    [GeneratedRegex(@"^\| `(?<role>\w+)` \| `(?<table>\w+)` \| (?<privileges>[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex GrantRow();

    [GeneratedRegex(@"(?<name>[A-Z]+)(?: \((?<columns>[a-z_, ]+)\))?")]
    private static partial Regex Privilege();
}
