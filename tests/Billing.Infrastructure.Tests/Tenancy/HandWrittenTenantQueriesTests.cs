using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;
using Billing.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Billing.Infrastructure.Tests.Tenancy;

/// <summary>
/// The API's hand-written SQL on tenant tables runs under row-level security like its EF Core queries: inside tenant A's
/// scope, a query whose own filter names tenant B (a bug that passes the wrong id), or that has no filter at all,
/// reaches none of B's rows. Composed as the API composes it, on the API's login.
/// </summary>
public sealed class HandWrittenTenantQueriesTests(DataStoresFixture stores)
{
    private static readonly DateTimeOffset Anchor = DateTimeOffset.UtcNow.AddDays(-3);
    private static readonly BillingPeriod Period = BillingPeriod.Containing(Anchor, DateTimeOffset.UtcNow);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private readonly Guid _a = Guid.NewGuid();
    private readonly Guid _b = Guid.NewGuid();

    /// <summary>Both tenants with a row in every tenant table: five <c>api_calls</c> in B's one usage event.</summary>
    private async Task<TestDatabase> SeedTwoTenantsAsync()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(Token);
        foreach (var tenant in new[] { _a, _b })
        {
            await using var seed = new NpgsqlCommand("""
                INSERT INTO tenants (id, name, plan, status, created_at, updated_at) VALUES (@t, 'seeded', 'standard', 'active', now(), now());
                INSERT INTO api_keys (id, tenant_id, name, prefix, hash, created_at, scopes) VALUES (gen_random_uuid(), @t, 'k', 'bk_seeded', sha256(convert_to(@t::text, 'UTF8')), now(), ARRAY['read']);
                INSERT INTO subscriptions (id, tenant_id, plan, status, billing_anchor, current_period_start, current_period_end, cancel_at_period_end, created_at, updated_at)
                  VALUES (gen_random_uuid(), @t, 'standard', 'active', @anchor, @anchor, @anchor + interval '1 month', false, now(), now());
                INSERT INTO usage_events (tenant_id, event_id, metric, value, occurred_at) VALUES (@t, 'seeded', 'api_calls', 5, now() - interval '1 hour');
                INSERT INTO usage_event_ids (tenant_id, event_id) VALUES (@t, 'seeded');
                INSERT INTO usage_aggregates (tenant_id, metric, window_start, value, event_count, updated_at) VALUES (@t, 'api_calls', date_trunc('minute', now()), 5, 1, now());
                INSERT INTO meter_submissions (tenant_id, metric, bucket_start, identifier, value, status, attempts, created_at)
                  VALUES (@t, 'api_calls', date_trunc('minute', now()), 'seeded-' || @t, 5, 'pending', 0, now());
                INSERT INTO meter_reconciliations (tenant_id, metric, period_start, period_end, compared_until, local_value, submitted_value, stripe_value, drift, in_flight, status, final, checked_at)
                  VALUES (@t, 'api_calls', @anchor, @anchor + interval '1 month', now(), 5, 5, 5, 0, 0, 'ok', false, now());
                WITH invoice AS (
                  INSERT INTO invoices (id, tenant_id, stripe_invoice_id, status, currency, period_start, period_end, subtotal_cents, total_cents, amount_due_cents, amount_paid_cents, created_at, updated_at)
                  VALUES (gen_random_uuid(), @t, 'in_' || @t, 'paid', 'usd', @anchor, @anchor + interval '1 month', 0, 0, 0, 0, now(), now()) RETURNING id)
                INSERT INTO invoice_lines (id, invoice_id, tenant_id, stripe_line_id, description, quantity, amount_cents, proration, period_start, period_end)
                  SELECT gen_random_uuid(), id, @t, 'il_' || @t, 'seeded', 1, 0, false, @anchor, @anchor + interval '1 month' FROM invoice;
                INSERT INTO usage_alerts (id, tenant_id, kind, threshold_percent, period_start, value, "limit", created_at, delivery_status, delivery_attempts)
                  VALUES (gen_random_uuid(), @t, 'spend', 80, @anchor, 8, 10, now(), 'pending', 0);
                INSERT INTO audit_log (tenant_id, actor, action, created_at) VALUES (@t, 'test', 'seeded', now());
                """, connection);
            seed.Parameters.AddWithValue("t", tenant);
            seed.Parameters.AddWithValue("anchor", Anchor);
            await seed.ExecuteNonQueryAsync(Token);
        }

        return database;
    }

    /// <summary>The API's composition of the database and metering, not started.</summary>
    private IHost Api(TestDatabase database, string? redis = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = database.Api,
            ["ConnectionStrings:redis"] = redis ?? stores.Redis.ConnectionString,
        });
        builder.AddBillingDatabase(roleOutsideTenantScope: DatabaseRoles.Operator).AddBillingCache().AddBillingMetering();
        return builder.Build();
    }

    private static Task<long> EventsOfAsync(TestDatabase database, Guid tenant) => CountOfAsync(database, "usage_events", tenant);

    private static Task<long> IdsOfAsync(TestDatabase database, Guid tenant) => CountOfAsync(database, "usage_event_ids", tenant);

    private static async Task<long> CountOfAsync(TestDatabase database, string table, Guid tenant)
    {
        await using var connection = new NpgsqlConnection(database.Superuser);
        await connection.OpenAsync(Token);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE tenant_id = @t", connection);
        count.Parameters.AddWithValue("t", tenant);
        return (long)(await count.ExecuteScalarAsync(Token))!;
    }

    [Fact]
    public async Task The_current_usage_of_B_read_in_As_scope_finds_none_of_Bs_events()
    {
        var database = await SeedTwoTenantsAsync();
        using var api = Api(database);

        IReadOnlyDictionary<Metric, long> usage;
        using (TenantScope.Enter(_a))
        {
            // B's counters are not in Redis yet, so they are read from PostgreSQL.
            usage = await api.Services.GetRequiredService<CurrentUsageReader>().ReadAsync(_b, Period, Token);
        }

        Assert.All(usage.Values, value => Assert.Equal(0L, value));
    }

    [Fact]
    public async Task The_usage_history_of_B_read_in_As_scope_is_empty()
    {
        var database = await SeedTwoTenantsAsync();
        using var api = Api(database);

        IReadOnlyList<UsageHistoryQuery.Point> points;
        using (TenantScope.Enter(_a))
        {
            points = await UsageHistoryQuery.ReadAsync(api.Services.GetRequiredService<NpgsqlDataSource>(), _b, Period.Start, Period.End, Token);
        }

        Assert.Empty(points);
    }

    [Fact]
    public async Task Giving_back_a_reservation_of_B_in_As_scope_deletes_none_of_Bs_events()
    {
        var database = await SeedTwoTenantsAsync();
        using var api = Api(database);

        using (TenantScope.Enter(_a))
        {
            await api.Services.GetRequiredService<QuotaLedger>().ReleaseAsync(_b, Metric.ApiCalls, Period, 5, "seeded");
        }

        Assert.Equal(1L, await EventsOfAsync(database, _b));
    }

    [Fact]
    public async Task A_quota_decided_in_PostgreSQL_and_given_back_takes_its_event_id_back_so_the_retry_is_recorded_once()
    {
        var database = await SeedTwoTenantsAsync();
        using var api = Api(database, $"127.0.0.1:{LocalServerProcess.FreePort()},abortConnect=false,connectTimeout=200,connectRetry=0");
        var ledger = api.Services.GetRequiredService<QuotaLedger>();
        var quota = new Quota(Metric.ApiCalls, Included: 100, CapMode.Hard, GracePercent: 0, Overage: null);

        using (TenantScope.Enter(_a))
        {
            await ledger.DecideAsync(_a, quota, Period, 1, reserve: true, idempotencyKey: null, eventId: "retried", Token);
            await ledger.ReleaseAsync(_a, Metric.ApiCalls, Period, 1, "retried");
            Assert.Equal((1L, 1L), (await EventsOfAsync(database, _a), await IdsOfAsync(database, _a)));
            await ledger.DecideAsync(_a, quota, Period, 1, reserve: true, idempotencyKey: null, eventId: "retried", Token);
        }

        // The seeded event and the retried one, each with its id.
        Assert.Equal((2L, 2L), (await EventsOfAsync(database, _a), await IdsOfAsync(database, _a)));
    }

    [Fact]
    public async Task A_quota_of_B_decided_in_PostgreSQL_in_As_scope_neither_reads_nor_writes_Bs_events()
    {
        var database = await SeedTwoTenantsAsync();
        // Redis unreachable: the ledger decides in PostgreSQL and records the reserved unit there.
        using var api = Api(database, $"127.0.0.1:{LocalServerProcess.FreePort()},abortConnect=false,connectTimeout=200,connectRetry=0");
        var atItsLimit = new Quota(Metric.ApiCalls, Included: 5, CapMode.Hard, GracePercent: 0, Overage: null);

        PostgresException refused;
        using (TenantScope.Enter(_a))
        {
            // Reading B's five calls, the ledger would deny; reading none, it allows and the policy refuses B's new event.
            refused = await Assert.ThrowsAsync<PostgresException>(() => api.Services.GetRequiredService<QuotaLedger>()
                .DecideAsync(_b, atItsLimit, Period, 1, reserve: true, idempotencyKey: null, eventId: "smuggled", Token));
        }

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("row-level security", refused.MessageText);
        Assert.Equal(1L, await EventsOfAsync(database, _b));
    }

    [Fact]
    public async Task Every_tenant_table_read_without_a_filter_in_As_scope_holds_only_As_rows_and_outside_any_scope_none()
    {
        var database = await SeedTwoTenantsAsync();
        using var api = Api(database);
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        // Tables a tenant's request reads show it its own rows; the others it may not read at all.
        (string Table, string Column, bool Readable)[] tables =
        [
            ("tenants", "id", true), ("api_keys", "tenant_id", true), ("subscriptions", "tenant_id", true), ("usage_events", "tenant_id", true),
            ("usage_event_ids", "tenant_id", true),
            ("usage_aggregates", "tenant_id", true), ("invoices", "tenant_id", true), ("invoice_lines", "tenant_id", true), ("usage_alerts", "tenant_id", true),
            ("audit_log", "tenant_id", true), ("meter_submissions", "tenant_id", false), ("meter_reconciliations", "tenant_id", false),
        ];

        foreach (var (table, column, readable) in tables)
        {
            using (TenantScope.Enter(_a))
            {
                await using var connection = await TenantConnections.OpenAsync(dataSource, Token);
                await using var read = new NpgsqlCommand($"SELECT array_agg({column}) FROM {table}", connection);
                if (readable)
                {
                    Assert.Equal([_a], (Guid[])(await read.ExecuteScalarAsync(Token))!);
                }
                else
                {
                    Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => read.ExecuteScalarAsync(Token))).SqlState);
                }
            }

            await using var outside = await TenantConnections.OpenAsync(dataSource, Token);
            await using var unscoped = new NpgsqlCommand($"SELECT count(*) FROM {table}", outside);
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => unscoped.ExecuteScalarAsync(Token))).SqlState);
        }
    }

    [Fact]
    public async Task A_pooled_connection_does_not_carry_a_tenant_session_into_its_next_use()
    {
        var database = await SeedTwoTenantsAsync();
        using var api = Api(database);
        var dataSource = api.Services.GetRequiredService<NpgsqlDataSource>();
        using (TenantScope.Enter(_a))
        {
            await using var tenant = await TenantConnections.OpenAsync(dataSource, Token);
            await using var used = new NpgsqlCommand("SELECT count(*) FROM usage_events", tenant);
            Assert.Equal(1L, await used.ExecuteScalarAsync(Token));
        }

        await using var next = await dataSource.OpenConnectionAsync(Token);
        await using var who = new NpgsqlCommand($"SELECT current_user, coalesce(current_setting('{DatabaseRoles.TenantSetting}', true), '')", next);
        await using var reader = await who.ExecuteReaderAsync(Token);
        Assert.True(await reader.ReadAsync(Token));

        Assert.Equal((DatabaseRoles.Api, ""), (reader.GetString(0), reader.GetString(1)));
    }
}
