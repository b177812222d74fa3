using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Infrastructure.Metering;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

using static Billing.Api.Tests.Enforcement.MeteredCalls;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// The usage buffer and the usage stream are bounded (<c>UsageBuffer:MaxEvents</c>, <c>UsageStream:MaxLength</c>): past
/// a bound, usage goes to PostgreSQL directly, and a request whose usage nothing stores is refused with 503 and
/// <c>Retry-After</c>, charged nothing. Nothing answered 2xx is lost or counted twice, and <c>/health</c> says Degraded
/// while a bound is near.
/// </summary>
public sealed class UsageBoundsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static async Task<string> HealthAsync(HttpClient http) =>
        await (await http.GetAsync("/health", TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

    private static async Task<HealthReportEntry> BacklogHealthAsync(IServiceProvider services) =>
        (await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken)).Entries["usage-backlog"];

    private static async Task<HttpStatusCode[]> SequentiallyAsync(HttpClient http, int requests)
    {
        var statuses = new HttpStatusCode[requests];
        for (var i = 0; i < requests; i++)
        {
            using var response = await CompleteAsync(http);
            statuses[i] = response.StatusCode;
        }

        return statuses;
    }

    [Fact]
    public async Task With_postgresql_stopped_the_buffer_keeps_its_bound_requests_past_it_get_503_and_every_2xx_is_stored_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var isolated = await IsolatedApi.StartAsync();
        var (stores, own) = (isolated.Stores, isolated.Api);
        var (tenantId, key) = await own.CreateTenantWithKeyAsync("standard");
        using (var operatorHttp = own.CreateOperatorClient())
        {
            // A hard cap: each call reserves its unit in Redis up front, which a refused call must give back.
            var overridden = await operatorHttp.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/overrides",
                new { quotas = new { api_calls = new { included = 1000, cap = "hard" } } }, ct);
            Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        }

        // Two events a call (the call, its tokens): the buffer holds five calls; the stream takes three entries.
        const int maxEvents = 10;
        await using var replica = own.Replica(("UsageBuffer:MaxEvents", $"{maxEvents}"), ("UsageStream:MaxLength", "3"), ("UsageBuffer:RetryDelayMs", "100"));
        var buffer = replica.Services.GetRequiredService<UsageRecordBuffer>();
        using var http = replica.ClientWithKey(key);
        using var totals = new MeterTotals(replica.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            "billing.usage.buffer.full", "billing.usage.unrecorded");
        // The tenant's plan and the key are cached for a few seconds from here: the outage below is shorter than that.
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        await ApiFactory.UsageDrainedAsync(replica.Services);

        await stores.Postgres.StopAsync();
        var statuses = new List<HttpStatusCode>();
        var mostHeld = 0;
        HttpResponseMessage? refusal = null;
        while (statuses.Count(s => s == HttpStatusCode.ServiceUnavailable) < 3 && statuses.Count < 40)
        {
            var response = await CompleteAsync(http);
            statuses.Add(response.StatusCode);
            mostHeld = Math.Max(mostHeld, buffer.Count);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refusal?.Dispose();
                refusal = response;
            }
            else
            {
                response.Dispose();
            }
        }

        // /health as a whole says Unhealthy (the database check); the backlog's own check says why usage is at risk.
        var backlogDuring = await BacklogHealthAsync(replica.Services);
        await stores.Postgres.StartAsync(ct);
        // The first commit after the restart may meet a connection the restart broke; the buffer keeps its events for the next.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await buffer.FlushAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, "The buffer was not flushed after PostgreSQL came back.");
            await Task.Delay(50, ct);
        }

        await ApiFactory.UsageDrainedAsync(replica.Services);
        // Likewise a read may meet a broken pooled connection once: wait until the API reads from PostgreSQL again.
        while ((await http.GetAsync("/api/v1/usage", ct)).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "The API did not read from PostgreSQL again after it came back.");
            await Task.Delay(50, ct);
        }

        var healthAfter = await HealthAsync(http);

        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
        Assert.NotNull(refusal);
        Assert.Equal("5", refusal.Headers.RetryAfter?.ToString());
        Assert.Equal("application/problem+json", refusal.Content.Headers.ContentType?.MediaType);
        var problem = await refusal.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal((503, Billing.Api.Problems.ProblemTypes.StoreUnavailable), (problem.GetProperty("status").GetInt32(), problem.GetProperty("type").GetString()));
        refusal.Dispose();
        Assert.Equal(maxEvents, mostHeld);
        Assert.Equal(HealthStatus.Degraded, backlogDuring.Status);
        Assert.Contains($"the usage buffer holds {maxEvents} of at most {maxEvents} events", backlogDuring.Description);
        Assert.Equal("Healthy", healthAfter);
        var refused = statuses.Count(s => s == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(refused, totals["billing.usage.unrecorded"]);
        Assert.True(totals["billing.usage.buffer.full"] >= refused);

        // Every call answered 2xx (and the one before the outage) is stored once; the refused ones are not, and gave their reservation back.
        var confirmed = 1 + statuses.Count(s => s == HttpStatusCode.OK);
        var recorded = await RecordedAsync(own, tenantId);
        Assert.Equal(confirmed, recorded["api_calls"].Sum(e => e.Value));
        Assert.Equal(confirmed, recorded["api_calls"].Select(e => e.EventId).Distinct().Count());
        Assert.Equal(confirmed * TokensPerCall, recorded["llm_tokens"].Sum(e => e.Value));
        Assert.Equal((confirmed, confirmed * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    [Fact]
    public async Task A_full_stream_takes_no_more_entries_and_the_usage_of_further_requests_is_committed_to_postgresql_at_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var streamKey = $"usage-stream:test-{Guid.NewGuid():N}";
        // No drainer on this stream, so it fills; a buffer that holds one request's two events and is not flushed, so the
        // next requests record their usage themselves, one entry each: two fit the stream, the last two go to PostgreSQL.
        await using var replica = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "false"), ("UsageStream:MaxLength", "2"),
            ("UsageBuffer:MaxEvents", "2"), ("UsageBuffer:FlushIntervalMs", "600000"), ("UsageBuffer:MaxBatchEvents", "100000"));
        using var http = replica.ClientWithKey(key);
        using var totals = new MeterTotals(replica.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            "billing.usage.stream.full", "billing.usage.stream.fallback");
        var redis = api.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        var statuses = await SequentiallyAsync(http, 5);
        var lengthWhenFull = await redis.StreamLengthAsync(streamKey);
        var inPostgresBeforeDraining = (await RecordedAsync(api, tenantId))["api_calls"].Count;
        var healthWhenFull = await HealthAsync(http);
        var fullAndFallbacks = (totals["billing.usage.stream.full"], totals["billing.usage.stream.fallback"]);
        await FlushAsync(replica);
        await using (var draining = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "true")))
        {
            await ApiFactory.UsageDrainedAsync(draining.Services);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(2, lengthWhenFull);
        Assert.Equal(2, inPostgresBeforeDraining);
        Assert.Equal((2, 2), fullAndFallbacks);
        Assert.Equal("Degraded", healthWhenFull);
        Assert.Equal("Healthy", await HealthAsync(http));
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(5, recorded["api_calls"].Select(e => e.EventId).Distinct().Count());
        Assert.Equal(5, recorded["api_calls"].Sum(e => e.Value));
        Assert.Equal(5 * TokensPerCall, recorded["llm_tokens"].Sum(e => e.Value));
        Assert.Equal((5, 5 * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    [Fact]
    public async Task Buffered_usage_that_finds_the_stream_full_is_committed_to_postgresql_and_counted_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var streamKey = $"usage-stream:test-{Guid.NewGuid():N}";
        await using var replica = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "false"), ("UsageStream:MaxLength", "1"));
        using var http = replica.ClientWithKey(key);
        var redis = api.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await CompleteAsync(http);
            return response.StatusCode;
        }));
        await FlushAsync(replica);
        var lengthWhenFull = await redis.StreamLengthAsync(streamKey);
        await using (var draining = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "true")))
        {
            await ApiFactory.UsageDrainedAsync(draining.Services);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(1, lengthWhenFull);
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(20, recorded["api_calls"].Select(e => e.EventId).Distinct().Count());
        Assert.Equal(20, recorded["api_calls"].Sum(e => e.Value));
        Assert.Equal(20 * TokensPerCall, recorded["llm_tokens"].Sum(e => e.Value));
        // The flushes that went to PostgreSQL left the counting to its commit, the one that reached the stream counted its own.
        Assert.Equal((20, 20 * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }
}
