using System.Net;
using System.Net.Http.Json;
using Billing.Infrastructure.Metering;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

using static Billing.Api.Tests.Enforcement.MeteredCalls;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// Metered requests hand their usage to an in-process buffer and answer; flushes carry it on to the stream (or to
/// PostgreSQL when the stream refuses it), exactly once, and a graceful stop flushes what is left. Soft-capped quotas
/// are decided from local views of the counters, which count this replica's unflushed usage and see other replicas'
/// usage within their maximum age; hard caps stay exact.
/// </summary>
public sealed class UsageBufferTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>A header's values, one per metric, however the transport joined them.</summary>
    private static string[] Values(HttpResponseMessage response, string header) =>
        [.. response.Headers.GetValues(header).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries))];

    private static UsageRecordBuffer Buffer(WebApplicationFactory<Billing.Api.Auth.CurrentTenant> factory) =>
        factory.Services.GetRequiredService<UsageRecordBuffer>();

    private static async Task<HttpStatusCode[]> ConcurrentlyAsync(HttpClient http, int requests) =>
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using var response = await CompleteAsync(http);
            return response.StatusCode;
        }));

    [Fact]
    public async Task Buffered_usage_of_concurrent_requests_reaches_postgresql_and_the_counters_exactly_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using var http = api.CreateClient(key);

        var statuses = await ConcurrentlyAsync(http, 50);
        await api.UsageDrainedAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(Enumerable.Repeat(1L, 50), recorded["api_calls"].Select(e => e.Value));
        Assert.Equal(Enumerable.Repeat(TokensPerCall, 50), recorded["llm_tokens"].Select(e => e.Value));
        Assert.Equal(50, recorded["api_calls"].Select(e => e.EventId).Distinct().Count());
        // The flushes advanced the counters; the drainer's commit did not count the events again.
        Assert.Equal((50, 50 * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    [Fact]
    public async Task When_the_stream_refuses_a_flush_its_batch_is_committed_to_postgresql_and_counted_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var streamKey = $"usage-stream:test-{Guid.NewGuid():N}";
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(api.RedisConnectionString))
        {
            // Not a stream: every XADD fails (WRONGTYPE) while the quota counters keep working.
            await redis.GetDatabase().StringSetAsync(streamKey, "not a stream");
        }

        await using var replica = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "false"));
        using var http = replica.ClientWithKey(key);

        var statuses = await ConcurrentlyAsync(http, 20);
        await FlushAsync(replica);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(Enumerable.Repeat(1L, 20), recorded["api_calls"].Select(e => e.Value));
        Assert.Equal(Enumerable.Repeat(TokensPerCall, 20), recorded["llm_tokens"].Select(e => e.Value));
        Assert.Equal((20, 20 * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    [Fact]
    public async Task A_soft_capped_quota_decided_locally_counts_unflushed_usage_and_warns_past_its_included_quantity()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        // The standard plan includes 1,000,000 api calls, soft-capped.
        await api.SeedUsageAsync(tenantId, "api_calls", 1_000_000 - 3);
        // Nothing is flushed during the requests: what they show of each other comes from the local view alone.
        await using var replica = api.Replica(("UsageBuffer:FlushIntervalMs", "600000"), ("UsageBuffer:MaxBatchEvents", "100000"));
        using var http = replica.ClientWithKey(key);

        var used = new List<string[]>();
        var warned = new List<bool>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await CompleteAsync(http);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            used.Add(Values(response, "X-Quota-Used"));
            warned.Add(response.Headers.TryGetValues("X-Quota-Warning", out var warnings) && warnings.Any(w => w.Contains("api_calls", StringComparison.Ordinal)));
        }

        Assert.Equal(["999998", "999999", "1000000", "1000001", "1000002"], used.Select(u => u[0]));
        // Tokens are reported after the handler, so each call shows the tokens used before it.
        Assert.Equal(["0", "6", "12", "18", "24"], used.Select(u => u[1]));
        // A call warns once the usage it adds to passes the included quantity.
        Assert.Equal([false, false, false, true, true], warned);
        await ApiFactory.UsageDrainedAsync(replica.Services);
        Assert.Equal((1_000_002, 5 * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
        Assert.Equal(5, (await RecordedAsync(api, tenantId))["api_calls"].Count);
    }

    [Fact]
    public async Task Usage_recorded_elsewhere_becomes_visible_to_the_local_view_once_the_view_is_older_than_its_maximum_age()
    {
        const int maxAgeMs = 300;
        var (_, key) = await api.CreateTenantWithKeyAsync("standard");
        await using var replica = api.Replica(("UsageBuffer:ViewMaxAgeMs", maxAgeMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var viaReplica = replica.ClientWithKey(key);
        using var elsewhere = api.CreateClient(key);
        using (var first = await CompleteAsync(viaReplica))
        {
            Assert.Equal(["1", "0"], Values(first, "X-Quota-Used"));
        }

        await ApiFactory.UsageDrainedAsync(replica.Services);
        // Another replica's requests and ingested events advance the counter in Redis, not this replica's view.
        using (var other = await CompleteAsync(elsewhere))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        await api.UsageDrainedAsync();
        var ingested = await elsewhere.PostAsJsonAsync("/api/v1/usage/events", new
        {
            events = new[] { new { id = $"batch-{Guid.NewGuid():N}", metric = "api_calls", value = 1000, timestamp = DateTimeOffset.UtcNow } },
        }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ingested.StatusCode);
        await Task.Delay(maxAgeMs + 200, TestContext.Current.CancellationToken);

        using var after = await CompleteAsync(viaReplica);

        // Calls: 1 (its own) + 1 (the other replica's) + 1,000 (ingested) + 1 (this call); tokens of the two calls before.
        Assert.Equal(["1003", "12"], Values(after, "X-Quota-Used"));
    }

    [Fact]
    public async Task A_graceful_stop_flushes_the_buffer_so_nothing_buffered_is_lost()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var streamKey = $"usage-stream:test-{Guid.NewGuid():N}";
        var stream = api.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var buffering = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "false"),
            ("UsageBuffer:FlushIntervalMs", "600000"), ("UsageBuffer:MaxBatchEvents", "100000"));
        using (var http = buffering.ClientWithKey(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        }

        Assert.Equal(4, Buffer(buffering).Count);
        Assert.Equal(0, await stream.StreamLengthAsync(streamKey));

        await buffering.DisposeAsync();

        // The stop sent both requests' events as one entry; a drainer on the stream then commits them.
        Assert.Equal(1, await stream.StreamLengthAsync(streamKey));
        await using var draining = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "true"));
        await ApiFactory.UsageDrainedAsync(draining.Services);
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal([1L, 1L], recorded["api_calls"].Select(e => e.Value));
        Assert.Equal([TokensPerCall, TokensPerCall], recorded["llm_tokens"].Select(e => e.Value));
    }

    [Fact]
    public async Task A_hard_cap_beside_a_soft_one_stays_exact_under_concurrency()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using (var operatorHttp = api.CreateOperatorClient())
        {
            var overridden = await operatorHttp.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/overrides",
                new { quotas = new { api_calls = new { included = 1000, cap = "hard" } } }, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        }

        await api.SeedUsageAsync(tenantId, "api_calls", 1000 - 12);
        await using var replica = api.Replica();
        using var first = api.CreateClient(key);
        using var second = replica.ClientWithKey(key);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            using var response = await CompleteAsync(i % 2 == 0 ? first : second);
            return response.StatusCode;
        }));

        Assert.Equal(12, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(48, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        await ApiFactory.UsageDrainedAsync(replica.Services);
        await api.UsageDrainedAsync();
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(12, recorded["api_calls"].Sum(e => e.Value));
        // Only the calls let through used tokens (the soft quota decided locally).
        Assert.Equal(12 * TokensPerCall, recorded["llm_tokens"].Sum(e => e.Value));
        Assert.Equal((1000, 12 * TokensPerCall), (await UsedAsync(first, "api_calls"), await UsedAsync(first, "llm_tokens")));
    }
}
