using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests;

/// <summary>
/// The API in process, on its own migrated database in the assembly's real PostgreSQL and Redis, connected as the API's
/// own login (the tests' helpers below read and seed as the superuser).
/// </summary>
public sealed class ApiFactory(DataStoresFixture stores) : WebApplicationFactory<Billing.Api.Auth.CurrentTenant>, IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key-0123456789abcdef";

    public TestDatabase Database { get; private set; } = null!;

    /// <summary>The superuser's connection to the API's database.</summary>
    public string ConnectionString => Database.Superuser;

    public async ValueTask InitializeAsync() => Database = await stores.CreateMigratedDatabaseAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:billingdb", Database.Api);
        builder.UseSetting("ConnectionStrings:redis", stores.Redis.ConnectionString);
        builder.UseSetting("Auth:OperatorKey", OperatorKey);
    }

    public string RedisConnectionString => stores.Redis.ConnectionString + ",allowAdmin=true";

    public BillingDbContext CreateDbContext() => DataStoresFixture.CreateDbContext(ConnectionString);

    public HttpClient CreateClient(string? bearer)
    {
        var client = CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public HttpClient CreateOperatorClient() => CreateClient(OperatorKey);

    /// <summary>Stores usage directly in PostgreSQL, as if it had been ingested earlier in the period.</summary>
    public async Task SeedUsageAsync(Guid tenantId, string metric, long value)
    {
        await using var db = CreateDbContext();
        db.UsageEvents.Add(new Billing.Infrastructure.Data.Entities.UsageEvent
        {
            TenantId = tenantId, EventId = $"seed-{Guid.NewGuid():N}", Metric = metric, Value = value, OccurredAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Waits until the usage of every metered request this instance answered so far is in PostgreSQL: its buffer
    /// flushed, and the drainers emptied the usage stream.
    /// </summary>
    public Task UsageDrainedAsync() => UsageDrainedAsync(Services);

    /// <inheritdoc cref="UsageDrainedAsync()"/>
    public static async Task UsageDrainedAsync(IServiceProvider services)
    {
        Assert.True(await services.GetRequiredService<UsageRecordBuffer>().FlushAsync(), "The usage buffer could not be flushed.");
        // A drainer acknowledges and deletes an entry only after its events are committed, so an empty stream means all are.
        var stream = services.GetRequiredService<UsageStream>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await stream.LengthAsync() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The usage stream {stream.Key} was not drained in time.");
            await Task.Delay(10);
        }
    }

    /// <summary>Creates a tenant and a key for it through the API, as an operator would.</summary>
    public async Task<(Guid TenantId, string Key)> CreateTenantWithKeyAsync(string plan = "standard", string name = "Acme")
    {
        using var http = CreateOperatorClient();
        var tenant = await (await http.PostAsJsonAsync("/api/v1/tenants", new { name, plan })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = tenant.GetProperty("id").GetGuid();
        var key = await (await http.PostAsJsonAsync($"/api/v1/tenants/{id}/api-keys", new { name = "test" })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();
        return (id, key.GetProperty("key").GetString()!);
    }

    /// <summary>Issues a key holding <paramref name="scopes"/> to <paramref name="tenantId"/>, as the operator does.</summary>
    public async Task<string> CreateKeyAsync(Guid tenantId, params string[] scopes)
    {
        using var http = CreateOperatorClient();
        var key = await (await http.PostAsJsonAsync($"/api/v1/tenants/{tenantId}/api-keys", new { name = string.Join('+', scopes), scopes }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        return key.GetProperty("key").GetString()!;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
