using System.Net.Http.Json;
using System.Text.Json;
using Billing.Infrastructure.Metering;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Enforcement;

/// <summary>Calls of the example metered route and what they recorded, for the tests of usage recording and enforcement.</summary>
internal static class MeteredCalls
{
    /// <summary>"alpha beta gamma": three prompt tokens and three completion tokens.</summary>
    public const long TokensPerCall = 6;

    public static Task<HttpResponseMessage> CompleteAsync(HttpClient http) =>
        http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "alpha beta gamma" }, TestContext.Current.CancellationToken);

    /// <summary>The <c>X-Quota-Limit</c> a metered response gave <paramref name="metric"/>; null when the response has no quota headers.</summary>
    public static string? QuotaLimit(HttpResponseMessage response, string metric)
    {
        if (!response.Headers.TryGetValues("X-Quota-Metric", out var metrics))
        {
            return null;
        }

        var index = metrics.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)).ToList().IndexOf(metric);
        return response.Headers.GetValues("X-Quota-Limit").SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)).ElementAt(index);
    }

    /// <summary>The tenant's recorded request events: per metric, the id and value of each stored event.</summary>
    public static async Task<Dictionary<string, List<(string EventId, long Value)>>> RecordedAsync(ApiFactory api, Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        var rows = await db.UsageEvents.Where(e => e.TenantId == tenantId && e.EventId.StartsWith("req:"))
            .Select(e => new { e.Metric, e.EventId, e.Value }).ToListAsync(TestContext.Current.CancellationToken);
        return rows.GroupBy(r => r.Metric).ToDictionary(g => g.Key, g => g.Select(r => (r.EventId, r.Value)).ToList());
    }

    /// <summary>The period's usage of <paramref name="metric"/> as <c>GET /usage</c> shows it.</summary>
    public static async Task<long> UsedAsync(HttpClient http, string metric) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken)).GetProperty("metrics").EnumerateArray()
            .Single(m => m.GetProperty("metric").GetString() == metric).GetProperty("used").GetInt64();

    /// <summary>Sends what the instance buffered on (to the stream, or to PostgreSQL when the stream refuses it).</summary>
    public static async Task FlushAsync(WebApplicationFactory<Billing.Api.Auth.CurrentTenant> replica) =>
        Assert.True(await replica.Services.GetRequiredService<UsageRecordBuffer>().FlushAsync());
}
