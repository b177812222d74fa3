using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Enforcement;

/// <summary>Calls of the example metered route and what they recorded, for the tests of usage recording.</summary>
internal static class MeteredCalls
{
    /// <summary>"alpha beta gamma": three prompt tokens and three completion tokens.</summary>
    public const long TokensPerCall = 6;

    public static Task<HttpResponseMessage> CompleteAsync(HttpClient http) =>
        http.PostAsJsonAsync("/api/v1/llm/completions", new { prompt = "alpha beta gamma" }, TestContext.Current.CancellationToken);

    /// <summary>The tenant's recorded request events: per metric, the id and value of each stored event.</summary>
    public static async Task<Dictionary<string, List<(string EventId, long Value)>>> RecordedAsync(ApiFactory api, Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        var rows = await db.UsageEvents.Where(e => e.TenantId == tenantId && e.EventId.StartsWith("req:"))
            .Select(e => new { e.Metric, e.EventId, e.Value }).ToListAsync(TestContext.Current.CancellationToken);
        return rows.GroupBy(r => r.Metric).ToDictionary(g => g.Key, g => g.Select(r => (r.EventId, r.Value)).ToList());
    }
}
