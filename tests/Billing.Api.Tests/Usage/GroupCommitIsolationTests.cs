using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Infrastructure.Metering;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Usage;

/// <summary>Group commit: one request's bad event never fails the other requests committed with it.</summary>
public sealed class GroupCommitIsolationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>A wide window and a single writer put requests sent together into one group.</summary>
    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> Grouped() =>
        api.Replica(("Ingestion:GroupCommitWindowMs", "300"), ("Ingestion:Writers", "1"));

    private static Task<HttpResponseMessage> SendEventAsync(HttpClient http, string id) =>
        http.PostAsync("/api/v1/usage/events", new StringContent(
            JsonSerializer.Serialize(new { events = new[] { new { id, metric = "api_calls", value = 1, timestamp = DateTimeOffset.UtcNow } } }),
            Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    private async Task<List<string>> StoredIdsAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        return await db.UsageEvents.Where(e => e.TenantId == tenantId).OrderBy(e => e.EventId).Select(e => e.EventId).ToListAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_consume_key_too_long_for_its_event_id_is_a_400_and_requests_beside_it_succeed()
    {
        await using var grouped = Grouped();
        var (consumer, consumerKey) = await api.CreateTenantWithKeyAsync("free", "consumer");
        var (bystander, bystanderKey) = await api.CreateTenantWithKeyAsync("standard", "bystander");
        using var consumerHttp = grouped.ClientWithKey(consumerKey);
        using var bystanderHttp = grouped.ClientWithKey(bystanderKey);
        // The key becomes the event id "consume:<key>" in a 100-character column: 92 characters fit, 93 do not.
        var longest = new string('k', 92);
        var tooLong = new string('x', 93);
        (await SendEventAsync(bystanderHttp, "warm-up")).EnsureSuccessStatusCode();

        var tooLongCall = consumerHttp.PostAsJsonAsync("/api/v1/entitlements/consume",
            new { metric = "agent_executions", amount = 1, idempotencyKey = tooLong }, TestContext.Current.CancellationToken);
        var longestCall = consumerHttp.PostAsJsonAsync("/api/v1/entitlements/consume",
            new { metric = "agent_executions", amount = 2, idempotencyKey = longest }, TestContext.Current.CancellationToken);
        var bystanders = Enumerable.Range(0, 5).Select(i => SendEventAsync(bystanderHttp, $"b-{i}")).ToList();
        await Task.WhenAll([tooLongCall, longestCall, .. bystanders]);

        var refused = await tooLongCall;
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("at most 92 characters; it has 93", problem.GetProperty("errors").GetProperty("idempotencyKey")[0].GetString());
        var accepted = await (await longestCall).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.True(accepted.GetProperty("consumed").GetBoolean());
        foreach (var response in bystanders)
        {
            Assert.Equal(HttpStatusCode.OK, (await response).StatusCode);
        }

        Assert.Equal(["consume:" + longest], await StoredIdsAsync(consumer));
        Assert.Equal(["b-0", "b-1", "b-2", "b-3", "b-4", "warm-up"], await StoredIdsAsync(bystander));
    }

    [Fact]
    public async Task A_row_the_database_refuses_fails_only_its_own_request_and_as_not_worth_retrying()
    {
        await using var grouped = Grouped();
        var (tenantId, _) = await api.CreateTenantWithKeyAsync("standard");
        var queue = grouped.Services.GetRequiredService<UsageIngestionQueue>();
        var now = DateTimeOffset.UtcNow;
        NewUsageEvent Event(string id, string? properties = null) => new(tenantId, id, "api_calls", 1, now, now.AddDays(-1), properties, null);

        // PostgreSQL's jsonb refuses \u0000: a row that passes every check before the insert, then fails it.
        var bad = queue.SubmitAsync([Event("poisoned", """{"note":"\u0000"}""")], TestContext.Current.CancellationToken);
        var good = Enumerable.Range(0, 5).Select(i => queue.SubmitAsync([Event($"g-{i}")], TestContext.Current.CancellationToken)).ToList();

        var refused = await Assert.ThrowsAsync<UsageEventsRefusedException>(() => bad);
        Assert.Contains("will fail again", refused.Message);
        Assert.All(await Task.WhenAll(good), result => Assert.Equal(1, result.Accepted));
        Assert.Equal(["g-0", "g-1", "g-2", "g-3", "g-4"], await StoredIdsAsync(tenantId));
    }

    [Fact]
    public async Task Events_that_do_not_fit_the_table_are_refused_before_they_are_queued()
    {
        var (tenantId, _) = await api.CreateTenantWithKeyAsync("standard");
        var queue = api.Services.GetRequiredService<UsageIngestionQueue>();
        var now = DateTimeOffset.UtcNow;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => queue.SubmitAsync(
            [new NewUsageEvent(tenantId, "fine", "api_calls", 1, now, now, null, null),
             new NewUsageEvent(tenantId, new string('x', 101), "api_calls", 1, now, now, null, null)],
            TestContext.Current.CancellationToken));

        Assert.Contains("100", error.Message);
        Assert.Empty(await StoredIdsAsync(tenantId));
    }

    [Fact]
    public async Task A_group_stores_one_trace_parent_per_tenant_and_metric_and_keeps_every_event()
    {
        await using var grouped = Grouped();
        var (tenantId, _) = await api.CreateTenantWithKeyAsync("standard");
        var queue = grouped.Services.GetRequiredService<UsageIngestionQueue>();
        var now = DateTimeOffset.UtcNow;
        NewUsageEvent Event(string id, string metric) =>
            new(tenantId, id, metric, 1, now, now.AddDays(-1), null, $"00-{Guid.NewGuid():N}-{id.PadLeft(16, '0')}-01");

        // Sent together, so the single writer commits them as one group.
        var results = await Task.WhenAll(
            Enumerable.Range(0, 4).Select(i => queue.SubmitAsync([Event($"a{i}", "api_calls")], TestContext.Current.CancellationToken))
                .Concat(Enumerable.Range(0, 3).Select(i => queue.SubmitAsync([Event($"t{i}", "llm_tokens")], TestContext.Current.CancellationToken))));

        Assert.All(results, r => Assert.Equal(1, r.Accepted));
        await using var db = api.CreateDbContext();
        var rows = await db.UsageEvents.Where(e => e.TenantId == tenantId).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(7, rows.Count);
        Assert.Equal(["api_calls", "llm_tokens"], rows.Where(e => e.TraceParent is not null).Select(e => e.Metric).Order());
    }
}
