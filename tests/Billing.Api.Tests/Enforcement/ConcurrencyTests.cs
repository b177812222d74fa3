using System.Net;
using System.Net.Http.Json;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Enforcement;

/// <summary>Exact hard caps: concurrent requests through two API replicas sharing one Redis, or one Redis Cluster.</summary>
public sealed class ConcurrencyTests(ApiFactory api, RedisCluster cluster) : IClassFixture<ApiFactory>, IClassFixture<RedisCluster>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_hundred_parallel_calls_with_37_remaining_let_exactly_37_through(bool onCluster)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 37);
        (string, string)[] redis = onCluster ? [("ConnectionStrings:redis", cluster.ConnectionString), ("UsageStream:Shards", "6")] : [];
        await using var first = api.Replica(redis);
        await using var second = api.Replica(redis);
        using var firstClient = first.ClientWithKey(key);
        using var secondClient = second.ClientWithKey(key);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var http = i % 2 == 0 ? firstClient : secondClient;
            using var response = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "hi" }, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }));

        Assert.True(statuses.All(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests), string.Join(",", statuses.Distinct()));
        Assert.Equal(37, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(163, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        // Each instance flushes what it buffered; then the stream they share is drained.
        await ApiFactory.UsageDrainedAsync(first.Services);
        await ApiFactory.UsageDrainedAsync(second.Services);
        await using var db = api.CreateDbContext();
        Assert.Equal(10_000, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "api_calls").SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }
}
