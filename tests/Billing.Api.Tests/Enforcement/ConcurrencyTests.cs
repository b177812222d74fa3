using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Enforcement;

/// <summary>Exact hard caps: concurrent requests through two API replicas sharing one Redis.</summary>
public sealed class ConcurrencyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Two_hundred_parallel_calls_with_37_remaining_let_exactly_37_through()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("free");
        await api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 37);
        await using var replica = api.WithWebHostBuilder(_ => { });
        using var first = api.CreateClient(key);
        using var second = replica.CreateClient();
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var http = i % 2 == 0 ? first : second;
            using var response = await http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "hi" }, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }));

        Assert.True(statuses.All(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests), string.Join(",", statuses.Distinct()));
        Assert.Equal(37, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(163, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        // Each instance flushes what it buffered; then the stream they share is drained.
        await ApiFactory.UsageDrainedAsync(replica.Services);
        await api.UsageDrainedAsync();
        await using var db = api.CreateDbContext();
        Assert.Equal(10_000, await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == "api_calls").SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }
}
