using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// The shipped nginx configuration running Debian's nginx on loopback, in front of a counting upstream, with two API
/// replicas behind its <c>auth_request</c> (or, for <see cref="LeaseGatewayFixture"/>, behind its leases).
/// </summary>
public class NginxGatewayFixture(DataStoresFixture stores) : IAsyncLifetime
{
    private readonly bool _leases;
    private readonly (string Key, string Value)[] _settings = [];

    protected NginxGatewayFixture(DataStoresFixture stores, bool leases, params (string Key, string Value)[] settings)
        : this(stores) => (_leases, _settings) = (leases, settings);

    public ApiFactory Api { get; } = new(stores);

    public GatewayReplica First { get; private set; } = null!;

    public GatewayReplica Second { get; private set; } = null!;

    public CountingUpstream Upstream { get; private set; } = null!;

    public NginxServer Nginx { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Api.InitializeAsync();
        First = GatewayReplica.Start(Api, _settings);
        Second = GatewayReplica.Start(Api, _settings);
        Upstream = await CountingUpstream.StartAsync();
        Nginx = new NginxServer([First.Address, Second.Address], Upstream.Address, leases: _leases);
        await Nginx.StartAsync();
        await WarmUpAsync();
    }

    /// <summary>
    /// Asks each replica directly until it has compiled, connected and cached its paths: a cold replica's first answers
    /// can take longer than the shipped configuration's 2 s timeout on a loaded machine, and what the tests measure is
    /// the decision, not a cold start.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var (_, key) = await Api.CreateTenantWithKeyAsync("enterprise", "warm-up");
        foreach (var replica in new[] { First, Second })
        {
            using var http = replica.CreateClient();
            for (var round = 0; round < 3; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, round == 0 ? 1 : 50).Select(async _ =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/gateway/authorize");
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                    request.Headers.Add("X-Original-Method", "POST");
                    request.Headers.Add("X-Original-URI", "/v1/chat/completions");
                    request.Headers.Add("X-Request-Id", Guid.NewGuid().ToString("N"));
                    using var response = await http.SendAsync(request);
                    response.EnsureSuccessStatusCode();
                }));
            }
        }
    }

    /// <summary>A client of nginx, sending <paramref name="key"/> as the tenant's bearer key.</summary>
    public HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = Nginx.Address };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    /// <summary>The requests the upstream received with <paramref name="key"/>.</summary>
    public IReadOnlyList<ReceivedRequest> ReceivedWith(string key) =>
        [.. Upstream.Received.Where(r => r.Headers.GetValueOrDefault("Authorization") == $"Bearer {key}")];

    /// <summary>A key of a tenant on the standard plan whose subscription is cancelled.</summary>
    public async Task<string> CancelledTenantKeyAsync()
    {
        var (tenantId, key) = await Api.CreateTenantWithKeyAsync("standard");
        await using var db = Api.CreateDbContext();
        await db.Subscriptions.Where(s => s.TenantId == tenantId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, "canceled"), TestContext.Current.CancellationToken);
        return key;
    }

    /// <summary>The client's answer at the free plan's hard cap (10,000 api_calls): 429, the problem, Retry-After, X-Quota-*; the service never saw the key.</summary>
    public async Task AssertOverHardCapAsync(HttpResponseMessage response, string key)
    {
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.EndsWith("/quota-exceeded", problem.GetProperty("type").GetString());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("api_calls", problem.GetProperty("metric").GetString());
        Assert.Equal((10_000L, 10_000L), (problem.GetProperty("limit").GetInt64(), problem.GetProperty("used").GetInt64()));
        Assert.InRange(long.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 27L * 24 * 3600, 31L * 24 * 3600);
        Assert.Equal(["0"], response.Headers.GetValues("X-Quota-Remaining"));
        Assert.Equal(["10000"], response.Headers.GetValues("X-Quota-Used"));
        Assert.Empty(ReceivedWith(key));
    }

    /// <summary>Waits until both replicas' usage is in PostgreSQL.</summary>
    public async Task UsageDrainedAsync()
    {
        await ApiFactory.UsageDrainedAsync(First.Services);
        await ApiFactory.UsageDrainedAsync(Second.Services);
    }

    public async ValueTask DisposeAsync()
    {
        await Nginx.DisposeAsync();
        await Upstream.DisposeAsync();
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Api.DisposeAsync();
    }
}
