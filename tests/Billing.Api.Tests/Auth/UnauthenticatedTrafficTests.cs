using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Billing.Api.Auth;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Auth;

/// <summary>
/// Traffic without a valid key costs the database as little as possible: malformed keys are refused without a lookup,
/// unknown keys are remembered for a short while (in bounded memory), and an address that presents too many bad keys is
/// refused with 429 before any lookup.
/// </summary>
public sealed class UnauthenticatedTrafficTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>The database lookups of keys one API instance made, from its <c>Billing.Auth</c> meter.</summary>
    private sealed class KeyLookups : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public KeyLookups(WebApplicationFactory<CurrentTenant> instance)
        {
            var factory = instance.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "billing.auth.key_lookups" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private static string RandomKey() => "bk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<(HttpStatusCode Status, JsonElement Problem)> GetTenantAsync(HttpClient http, string key, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tenants/{Guid.NewGuid()}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone());
    }

    [Fact]
    public async Task Malformed_keys_are_refused_without_a_database_lookup()
    {
        await using var instance = api.Replica(("RateLimiting:InvalidKeyBurst", "100"));
        using var lookups = new KeyLookups(instance);
        using var http = instance.CreateClient();
        string[] malformed =
        [
            "bk_short",
            "sk_test_" + new string('a', 43),
            "BK_" + new string('a', 43),
            "bk_" + new string('a', 31),
            "bk_" + new string('a', 126),
            "bk_" + new string('a', 40) + "+/=",
            "bk_" + new string('a', 40) + "%00",
            "bk_" + new string('a', 20) + "'--" + new string('a', 20),
        ];

        var answers = new List<(HttpStatusCode Status, JsonElement Problem)>();
        foreach (var key in malformed)
        {
            answers.Add(await GetTenantAsync(http, key));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.All(answers, a => Assert.StartsWith("This is not an API key", a.Problem.GetProperty("detail").GetString()));
        Assert.Equal(0, lookups.Count);
    }

    [Fact]
    public async Task An_unknown_key_is_looked_up_once_and_then_remembered_as_unknown()
    {
        await using var instance = api.Replica();
        using var lookups = new KeyLookups(instance);
        using var http = instance.CreateClient();
        var unknown = RandomKey();

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add((await GetTenantAsync(http, unknown)).Status);
        }

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(1, lookups.Count);
    }

    [Fact]
    public async Task Remembered_unknown_keys_stay_within_their_bound()
    {
        await using var instance = api.Replica(("Auth:UnknownKeyCacheEntries", "5"), ("RateLimiting:InvalidKeyBurst", "1000"));
        using var lookups = new KeyLookups(instance);
        using var http = instance.CreateClient();
        var keys = Enumerable.Range(0, 40).Select(_ => RandomKey()).ToList();

        foreach (var key in keys.Concat(keys))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetTenantAsync(http, key)).Status);
        }

        // At most five of the forty were remembered, so at least thirty-five were looked up again.
        Assert.InRange(lookups.Count, 40 + 35, 80);
    }

    [Fact]
    public async Task An_address_that_presented_too_many_bad_keys_gets_429_before_any_lookup_and_others_do_not()
    {
        var (tenantId, valid) = await api.CreateTenantWithKeyAsync();
        var (_, notYetUsed) = await api.CreateTenantWithKeyAsync();
        await using var instance = api.ReplicaOnKestrel(
            ("ForwardedHeaders:Enabled", "true"), ("RateLimiting:InvalidKeyBurst", "3"), ("RateLimiting:InvalidKeysPerMinute", "1"));
        using var lookups = new KeyLookups(instance);
        using var http = instance.CreateClient();
        const string abuser = "203.0.113.7", neighbour = "203.0.113.8";
        Assert.Equal(HttpStatusCode.NotFound, (await GetTenantAsync(http, valid, abuser)).Status);

        var bad = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            bad.Add((await GetTenantAsync(http, RandomKey(), abuser)).Status);
        }

        var lookupsBefore = lookups.Count;
        var refused = await GetTenantAsync(http, RandomKey(), abuser);
        var uncachedGoodKey = await GetTenantAsync(http, notYetUsed, abuser);
        var lookupsAfter = lookups.Count;
        var cachedGoodKey = await GetTenantAsync(http, valid, abuser);
        var neighbourUnknown = await GetTenantAsync(http, RandomKey(), neighbour);
        var neighbourValid = await GetTenantAsync(http, notYetUsed, neighbour);

        Assert.All(bad, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.EndsWith("/rate-limited", refused.Problem.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, uncachedGoodKey.Status);
        Assert.Equal(lookupsBefore, lookupsAfter);
        // A key it already proved keeps working, and its tenant's own resources answer as usual.
        Assert.Equal(HttpStatusCode.NotFound, cachedGoodKey.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, neighbourUnknown.Status);
        Assert.Equal(HttpStatusCode.NotFound, neighbourValid.Status);
        using var own = instance.CreateClient();
        own.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", valid);
        own.DefaultRequestHeaders.Add("X-Forwarded-For", abuser);
        Assert.Equal(tenantId, (await own.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenantId}", TestContext.Current.CancellationToken)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_refusal_says_when_to_try_again()
    {
        await using var instance = api.Replica(("RateLimiting:InvalidKeyBurst", "1"), ("RateLimiting:InvalidKeysPerMinute", "2"));
        using var http = instance.CreateClient();
        await GetTenantAsync(http, "not-a-key");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/usage");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "still-not-a-key");
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 30);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData(null, "unknown")]
    public void IPv6_clients_count_per_64_block(string? address, string partition) =>
        Assert.Equal(partition, InvalidKeyThrottle.AddressOf(address is null ? null : IPAddress.Parse(address)));
}
