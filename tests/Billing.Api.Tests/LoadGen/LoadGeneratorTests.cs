using Billing.LoadGen;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.LoadGen;

/// <summary>
/// The demo traffic generator against the real API: every endpoint it drives answers, and what it reports as stored is
/// exactly what <c>usage_events</c> holds for its tenant — its own event ids one for one, and the completions' usage
/// (whose ids are the server's) by count and tokens.
/// </summary>
public sealed class LoadGeneratorTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task What_the_generator_reports_stored_is_exactly_what_usage_events_holds()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        var generator = new LoadGenerator(http, new LoadGenOptions { RequestsPerSecond = 30, Senders = 3, EventsPerBatch = 25 });

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4)))
        {
            await generator.RunAsync(stop.Token);
        }

        // Read as soon as the run returns: it returns only once every request sent has its answer recorded.
        var report = generator.Report.Summary();
        await api.UsageDrainedAsync();
        await using var db = api.CreateDbContext();
        var stored = await db.UsageEvents.Where(e => e.TenantId == tenantId)
            .Select(e => new { e.EventId, e.Metric, e.Value }).ToListAsync(TestContext.Current.CancellationToken);
        // The metered route names its events req:<server id>:<metric>; every other id is the generator's.
        var served = stored.Where(e => e.EventId.StartsWith("req:", StringComparison.Ordinal)).ToList();
        var named = stored.Where(e => !e.EventId.StartsWith("req:", StringComparison.Ordinal)).Select(e => e.EventId).ToHashSet();

        Assert.All(Enum.GetValues<LoadRequestKind>(), kind => Assert.True(report.Kinds[kind].Accepted > 0, $"no {kind} accepted: {report}"));
        Assert.Equal(0, report.Failed);
        Assert.All(report.Kinds.Values, k => Assert.Equal(0, k.Refused));
        Assert.True(report.IdsComplete);
        Assert.Equal(report.AcceptedEvents, report.AcceptedIds.Count);
        Assert.True(named.SetEquals(report.AcceptedIds),
            $"stored but not reported: {string.Join(", ", named.Except(report.AcceptedIds).Take(5))}; reported but not stored: {string.Join(", ", report.AcceptedIds.Except(named).Take(5))}");
        Assert.Contains(named, id => id.StartsWith("consume:lg-", StringComparison.Ordinal));
        Assert.Equal(report.Kinds[LoadRequestKind.Completion].Accepted, served.Count(e => e.Metric == "api_calls"));
        Assert.Equal(report.CompletionTokens, served.Where(e => e.Metric == "llm_tokens").Sum(e => e.Value));
        Assert.Equal(served.Count, served.Count(e => e.Metric is "api_calls" or "llm_tokens"));
    }

    [Fact]
    public async Task A_second_generator_on_the_same_tenant_never_sends_an_id_the_first_sent()
    {
        var (_, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        var options = new LoadGenOptions { RequestsPerSecond = 20, EventsPerBatch = 10 };
        var first = new LoadGenerator(http, options);
        var second = new LoadGenerator(http, options);

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await Task.WhenAll(first.RunAsync(stop.Token), second.RunAsync(stop.Token));
        }

        var (a, b) = (first.Report.Summary(), second.Report.Summary());
        Assert.True(a.AcceptedIds.Count > 0 && b.AcceptedIds.Count > 0, $"{a} / {b}");
        Assert.Empty(a.AcceptedIds.Intersect(b.AcceptedIds));
        Assert.Equal(0, a.Failed + b.Failed);
    }
}
