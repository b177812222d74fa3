using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.ApiKeys;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Billing.Api.Tests.ApiKeys;

/// <summary><c>lastUsedAt</c> is kept in memory and written once per interval per key, never once per request.</summary>
public sealed class ApiKeyLastUsedTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task<DateTimeOffset?> StoredLastUseAsync(Guid tenantId, string name)
    {
        await using var db = api.CreateDbContext();
        return await db.ApiKeys.Where(k => k.TenantId == tenantId && k.Name == name).Select(k => k.LastUsedAt).SingleAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Requests_write_nothing_and_one_flush_writes_each_keys_last_use()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        var busyKey = await api.CreateKeyAsync(tenantId, "read", "manage");
        await api.CreateKeyAsync(tenantId, "ingest");
        await using var replica = api.Replica(("ApiKeys:LastUsedFlushSeconds", "3600"));
        using var http = replica.ClientWithKey(busyKey);
        var before = DateTimeOffset.UtcNow;

        for (var i = 0; i < 20; i++)
        {
            (await http.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        var afterRequests = DateTimeOffset.UtcNow;
        var storedBeforeFlush = await StoredLastUseAsync(tenantId, "read+manage");
        await replica.Services.GetRequiredService<ApiKeyLastUsedFlusher>().FlushAsync(TestContext.Current.CancellationToken);
        var stored = await StoredLastUseAsync(tenantId, "read+manage");
        var listed = (await http.GetFromJsonAsync<JsonElement>("/api/v1/api-keys", TestContext.Current.CancellationToken)).EnumerateArray()
            .Single(k => k.GetProperty("name").GetString() == "read+manage");

        Assert.Null(storedBeforeFlush);
        Assert.NotNull(stored);
        Assert.InRange(stored.Value, before, afterRequests);
        Assert.Equal(stored.Value.ToUnixTimeMilliseconds(), listed.GetProperty("lastUsedAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Null(await StoredLastUseAsync(tenantId, "ingest"));
    }

    [Fact]
    public async Task A_graceful_stop_writes_what_was_noted()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        var key = await api.CreateKeyAsync(tenantId, "read");
        var replica = api.Replica(("ApiKeys:LastUsedFlushSeconds", "3600"));
        using (var http = replica.ClientWithKey(key))
        {
            (await http.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        var storedWhileRunning = await StoredLastUseAsync(tenantId, "read");
        // A graceful stop, as SIGTERM gives one: the host stops its services before anything is disposed (disposing the
        // test server alone may tear the services down while they stop).
        await replica.Services.GetRequiredService<IHost>().StopAsync(TestContext.Current.CancellationToken);
        await replica.DisposeAsync();

        Assert.Null(storedWhileRunning);
        Assert.NotNull(await StoredLastUseAsync(tenantId, "read"));
    }

    [Fact]
    public async Task Of_two_stops_at_once_neither_returns_before_the_noted_uses_are_written()
    {
        // A host stopped from outside is stopped twice at once, and disposed as soon as the quicker stop returns.
        var (tenantId, _) = await api.CreateTenantWithKeyAsync();
        var key = await api.CreateKeyAsync(tenantId, "read");
        await using var replica = api.Replica(("ApiKeys:LastUsedFlushSeconds", "3600"));
        using (var http = replica.ClientWithKey(key))
        {
            (await http.GetAsync($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        // The key's row locked elsewhere: the write of the stop that took the use waits for it.
        await using var locker = new NpgsqlConnection(api.ConnectionString);
        await locker.OpenAsync(TestContext.Current.CancellationToken);
        await using var transaction = await locker.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await new NpgsqlCommand($"SELECT 1 FROM api_keys WHERE tenant_id = '{tenantId}' FOR UPDATE", locker, transaction).ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        var flusher = replica.Services.GetRequiredService<ApiKeyLastUsedFlusher>();
        var first = flusher.StopAsync(TestContext.Current.CancellationToken);
        var second = flusher.StopAsync(TestContext.Current.CancellationToken);
        await WaitForBlockedWriteAsync();
        var returnedWhileBlocked = await Task.WhenAny(first, second, Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
        await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        await Task.WhenAll(first, second);

        Assert.NotSame(first, returnedWhileBlocked);
        Assert.NotSame(second, returnedWhileBlocked);
        Assert.NotNull(await StoredLastUseAsync(tenantId, "read"));
    }

    private async Task WaitForBlockedWriteAsync()
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((long)(await new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE api_keys%'", connection)
            .ExecuteScalarAsync(TestContext.Current.CancellationToken))! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the stop's write never reached the locked row");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
