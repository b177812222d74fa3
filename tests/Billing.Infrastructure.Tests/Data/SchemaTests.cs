using Billing.Testing;
using Npgsql;

namespace Billing.Infrastructure.Tests.Data;

/// <summary>The first migration creates the schema later features rely on, with deliberate types.</summary>
public sealed class SchemaTests(DataStoresFixture stores)
{
    [Theory]
    [InlineData("tenants", "created_at", "timestamp with time zone")]
    [InlineData("tenants", "overrides", "jsonb")]
    [InlineData("tenants", "spend_limit_cents", "bigint")]
    [InlineData("api_keys", "hash", "bytea")]
    [InlineData("subscriptions", "current_period_end", "timestamp with time zone")]
    [InlineData("usage_events", "value", "bigint")]
    [InlineData("usage_events", "event_id", "character varying")]
    [InlineData("usage_events", "occurred_at", "timestamp with time zone")]
    [InlineData("usage_events", "properties", "jsonb")]
    [InlineData("usage_aggregates", "value", "bigint")]
    [InlineData("usage_aggregates", "window_start", "timestamp with time zone")]
    [InlineData("meter_submissions", "identifier", "character varying")]
    [InlineData("meter_submissions", "event_timestamp", "timestamp with time zone")]
    [InlineData("meter_reconciliations", "drift", "bigint")]
    [InlineData("invoices", "total_cents", "bigint")]
    [InlineData("invoices", "currency", "character")]
    [InlineData("invoice_lines", "amount_cents", "bigint")]
    [InlineData("invoice_lines", "unit_amount_decimal", "numeric")]
    [InlineData("webhook_events", "payload", "jsonb")]
    [InlineData("usage_alerts", "threshold_percent", "integer")]
    [InlineData("audit_log", "details", "jsonb")]
    public async Task Columns_have_deliberate_types(string table, string column, string type)
    {
        var connectionString = (await stores.CreateMigratedDatabaseAsync()).Superuser;

        var actual = await ScalarAsync<string>(connectionString,
            "SELECT data_type FROM information_schema.columns WHERE table_name = @t AND column_name = @c", ("t", table), ("c", column));

        Assert.Equal(type, actual);
    }

    [Theory]
    [InlineData("usage_event_ids", "(tenant_id, event_id)")]
    [InlineData("webhook_events", "(stripe_event_id)")]
    [InlineData("meter_submissions", "(identifier)")]
    [InlineData("meter_submissions", "(tenant_id, metric, bucket_start, revision)")]
    [InlineData("api_keys", "(hash)")]
    [InlineData("invoices", "(stripe_invoice_id)")]
    public async Task Unique_indexes_guard_against_double_counting(string table, string columns)
    {
        var connectionString = (await stores.CreateMigratedDatabaseAsync()).Superuser;

        var definitions = await ListAsync(connectionString, "SELECT indexdef FROM pg_indexes WHERE tablename = @t", ("t", table));

        Assert.Contains(definitions, d => d.Contains("UNIQUE", StringComparison.Ordinal) && d.EndsWith(columns, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_duplicate_event_id_is_told_apart_in_the_statement_that_stores_it()
    {
        var connectionString = (await stores.CreateMigratedDatabaseAsync()).Superuser;
        var tenant = Guid.NewGuid();
        const string insert = """
            INSERT INTO usage_event_ids (tenant_id, event_id) VALUES (@tenant, @id)
            ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING event_id
            """;

        var first = await ListAsync(connectionString, insert, ("tenant", tenant), ("id", "evt-1"));
        var second = await ListAsync(connectionString, insert, ("tenant", tenant), ("id", "evt-1"));
        var otherTenant = await ListAsync(connectionString, insert, ("tenant", Guid.NewGuid()), ("id", "evt-1"));

        Assert.Single(first);
        Assert.Empty(second);
        Assert.Single(otherTenant);
        Assert.Equal(2L, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM usage_event_ids"));
    }

    [Fact]
    public async Task No_index_of_the_event_store_holds_client_ids_only_the_expiring_id_table_does()
    {
        var connectionString = (await stores.CreateMigratedDatabaseAsync()).Superuser;

        var events = await ListAsync(connectionString, "SELECT indexdef FROM pg_indexes WHERE tablename = 'usage_events'");
        var ids = await ListAsync(connectionString, "SELECT indexdef FROM pg_indexes WHERE tablename = 'usage_event_ids' ORDER BY indexname");

        Assert.DoesNotContain(events, d => d.Contains("event_id", StringComparison.Ordinal));
        Assert.Equal(2, ids.Count);
        Assert.EndsWith("(received_at)", ids[0]);
        Assert.EndsWith("(tenant_id, event_id)", ids[1]);
    }

    [Fact]
    public async Task Spend_alerts_without_a_metric_are_still_unique_per_threshold_and_period()
    {
        var connectionString = (await stores.CreateMigratedDatabaseAsync()).Superuser;
        var tenant = Guid.NewGuid();
        await ScalarAsync<int>(connectionString, "INSERT INTO tenants (id, name, plan, status, created_at, updated_at) VALUES (@t, 'x', 'free', 'active', now(), now()) RETURNING 1", ("t", tenant));
        const string insert = """
            INSERT INTO usage_alerts (id, tenant_id, kind, metric, threshold_percent, period_start, value, "limit", created_at, delivery_status, delivery_attempts)
            VALUES (gen_random_uuid(), @t, 'spend', NULL, 80, '2026-11-01', 80, 100, now(), 'pending', 0)
            ON CONFLICT DO NOTHING RETURNING 1
            """;

        Assert.Single(await ListAsync(connectionString, insert, ("t", tenant)));
        Assert.Empty(await ListAsync(connectionString, insert, ("t", tenant)));
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> ListAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return rows;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
