using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Billing.Bench;

/// <summary>
/// PostgreSQL and Redis started like the AppHost starts them, and the real API on a loopback Kestrel port, on the API's
/// own database login as in production.
/// </summary>
public sealed class BenchmarkHost : IAsyncDisposable
{
    public const string OperatorKey = "bench-operator-key-0123456789abcdef";
    private readonly DataStoresFixture _stores = new();
    private ApiOnKestrel? _api;

    /// <summary>The superuser's connection (the baseline's table, seeding).</summary>
    public string ConnectionString => Database.Superuser;

    /// <summary>The API's own login, for other API processes (<see cref="BenchRoutes"/>).</summary>
    public string ApiConnectionString => Database.Api;

    /// <summary>The worker's own login (the scale benchmark's aggregation runs as the worker does).</summary>
    public string WorkerConnectionString => Database.Worker;

    private TestDatabase Database { get; set; } = null!;
    public string RedisConnectionString => _stores.Redis.ConnectionString;
    public Uri ApiAddress { get; private set; } = new("http://127.0.0.1");

    public async Task StartAsync()
    {
        await _stores.InitializeAsync();
        Database = await _stores.CreateMigratedDatabaseAsync();
        _api = new ApiOnKestrel(ApiSettings());
        _api.UseKestrel(0);
        _api.StartServer();
        ApiAddress = _api.ClientOptions.BaseAddress;
    }

    /// <summary>A client with its own connection pool, as a separate metered service would have.</summary>
    /// <param name="address">Another API process than the benchmarked one (<see cref="BenchRoutes"/>).</param>
    public HttpClient Client(string? key, string? address = null) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 512 })
    {
        BaseAddress = address is null ? ApiAddress : new Uri(address),
        DefaultRequestHeaders = { Authorization = key is null ? null : new AuthenticationHeaderValue("Bearer", key) },
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <param name="overrides">The body of <c>PUT /tenants/{id}/overrides</c> for the new tenant, if any (custom quotas).</param>
    public async Task<string> CreateTenantKeyAsync(string plan, object? overrides = null) => (await CreateTenantAsync(plan, overrides)).Key;

    /// <inheritdoc cref="CreateTenantKeyAsync"/>
    public async Task<(Guid TenantId, string Key)> CreateTenantAsync(string plan, object? overrides = null)
    {
        using var http = Client(OperatorKey);
        var tenant = await (await http.PostAsJsonAsync("/api/v1/tenants", new { name = "bench", plan })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();
        if (overrides is not null)
        {
            (await http.PutAsJsonAsync($"/api/v1/tenants/{tenant.GetProperty("id").GetGuid()}/overrides", overrides)).EnsureSuccessStatusCode();
        }

        var key = await (await http.PostAsJsonAsync($"/api/v1/tenants/{tenant.GetProperty("id").GetGuid()}/api-keys", new { })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>();
        return (tenant.GetProperty("id").GetGuid(), key.GetProperty("key").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        await _stores.DisposeAsync();
    }

    /// <summary>The processes of PostgreSQL and Redis (wrappers included), for <see cref="CpuSplit"/>.</summary>
    public IEnumerable<int> StoreProcessIds => new[] { _stores.Postgres.ProcessId, _stores.Redis.ProcessId }.OfType<int>();

    /// <summary>
    /// The API's settings in every benchmark, whether it runs in this process or as its own (<see cref="ApiProcess"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> ApiSettings() => new Dictionary<string, string>
    {
        ["ConnectionStrings:billingdb"] = Database.Api,
        ["ConnectionStrings:redis"] = _stores.Redis.ConnectionString,
        ["Auth:OperatorKey"] = OperatorKey,
        ["Logging:LogLevel:Default"] = "Warning",
        // One benchmark key sends far more than a tenant normally may; the limiter is not what is measured.
        ["RateLimiting:PermitsPerSecond"] = "10000000",
        ["RateLimiting:Burst"] = "10000000",
        // Nor is the ingestion budget: it is checked on every request (its cost is measured), but never runs out.
        ["Catalog:Plans:enterprise:IngestionBudget:EventsPerSecond"] = "1000000000",
        ["Catalog:Plans:enterprise:IngestionBudget:Burst"] = "1000000000",
        // The gateway benchmark's metered location: one api_calls per request behind nginx.
        ["Gateway:Routes:0:Match"] = "GET /v1/*",
        ["Gateway:Routes:0:Consume:api_calls"] = "1",
    };

    // Any type of the API assembly names its entry point; the benchmark has a Program of its own.
    private sealed class ApiOnKestrel(IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Billing.Api.Auth.CurrentTenant>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
