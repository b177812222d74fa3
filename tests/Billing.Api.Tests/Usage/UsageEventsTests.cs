using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Usage;

/// <summary><c>POST /api/v1/usage/events</c>: durable, deduplicated forever, all-or-nothing validation.</summary>
public sealed class UsageEventsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Event(string id, string metric = "api_calls", long value = 1, DateTimeOffset? at = null) =>
        JsonSerializer.Serialize(new { id, metric, value, timestamp = at ?? DateTimeOffset.UtcNow });

    private async Task<long> StoredEventsAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        return await db.UsageEvents.LongCountAsync(e => e.TenantId == tenantId);
    }

    [Fact]
    public async Task Accepted_events_are_stored_before_the_answer_and_a_replay_is_a_duplicate()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        var body = $$"""{"events":[{{Event("e-1", "llm_tokens", 1200)}},{{Event("e-2")}}]}""";

        var first = await (await http.PostAsync("/api/v1/usage/events", Json(body), TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var replay = await (await http.PostAsync("/api/v1/usage/events", Json(body), TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(2, first.GetProperty("accepted").GetInt32());
        Assert.Equal(0, first.GetProperty("duplicates").GetInt32());
        Assert.Equal(0, replay.GetProperty("accepted").GetInt32());
        Assert.Equal(2, replay.GetProperty("duplicates").GetInt32());
        await using var db = api.CreateDbContext();
        var stored = await db.UsageEvents.Where(e => e.TenantId == tenantId).OrderBy(e => e.EventId).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["e-1", "e-2"], stored.Select(e => e.EventId));
        Assert.Equal(1200, stored[0].Value);
        Assert.Equal("llm_tokens", stored[0].Metric);
    }

    [Fact]
    public async Task An_id_repeated_inside_one_request_counts_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var response = await (await http.PostAsync("/api/v1/usage/events",
            Json($$"""{"events":[{{Event("same", value: 5)}},{{Event("same", value: 7)}}]}"""), TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(1, response.GetProperty("accepted").GetInt32());
        Assert.Equal(1, response.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, await StoredEventsAsync(tenantId));
    }

    [Fact]
    public async Task The_same_id_from_two_tenants_is_two_events()
    {
        var (a, keyA) = await api.CreateTenantWithKeyAsync(name: "A");
        var (b, keyB) = await api.CreateTenantWithKeyAsync(name: "B");
        var body = $$"""{"events":[{{Event("shared-id")}}]}""";

        using var httpA = api.CreateClient(keyA);
        using var httpB = api.CreateClient(keyB);
        await httpA.PostAsync("/api/v1/usage/events", Json(body), TestContext.Current.CancellationToken);
        await httpB.PostAsync("/api/v1/usage/events", Json(body), TestContext.Current.CancellationToken);

        Assert.Equal(1, await StoredEventsAsync(a));
        Assert.Equal(1, await StoredEventsAsync(b));
    }

    public static TheoryData<string, string, string> BadInputs()
    {
        var now = DateTimeOffset.UtcNow;
        var longId = new string('x', 101);
        return new()
        {
            { "malformed JSON", """{"events":[{"id":"a",""", "" },
            { "no events array", """{"items":[]}""", "events" },
            { "empty events", """{"events":[]}""", "events" },
            { "event not an object", """{"events":[42]}""", "events[0]" },
            { "unknown metric", $$"""{"events":[{{Event("a", "gpu_hours")}}]}""", "events[0].metric" },
            { "missing metric", $$"""{"events":[{"id":"a","value":1}]}""", "events[0].metric" },
            { "negative value", $$"""{"events":[{{Event("a", value: -1)}}]}""", "events[0].value" },
            { "huge value", $$"""{"events":[{{Event("a", value: 1_000_000_000_001)}}]}""", "events[0].value" },
            { "fractional value", """{"events":[{"id":"a","metric":"api_calls","value":1.5}]}""", "events[0].value" },
            { "value as string", """{"events":[{"id":"a","metric":"api_calls","value":"12"}]}""", "events[0].value" },
            { "value beyond int64", """{"events":[{"id":"a","metric":"api_calls","value":99999999999999999999}]}""", "events[0].value" },
            { "missing value", """{"events":[{"id":"a","metric":"api_calls"}]}""", "events[0].value" },
            { "missing id", """{"events":[{"metric":"api_calls","value":1}]}""", "events[0].id" },
            { "id not a string", """{"events":[{"id":7,"metric":"api_calls","value":1}]}""", "events[0].id" },
            { "over-long id", $$"""{"events":[{{Event(longId)}}]}""", "events[0].id" },
            { "timestamp 36 days old", $$"""{"events":[{{Event("a", at: now.AddDays(-36))}}]}""", "events[0].timestamp" },
            { "timestamp 10 minutes ahead", $$"""{"events":[{{Event("a", at: now.AddMinutes(10))}}]}""", "events[0].timestamp" },
            { "timestamp before the subscription", $$"""{"events":[{{Event("a", at: now.AddDays(-3))}}]}""", "events[0].timestamp" },
            { "timestamp not a date", """{"events":[{"id":"a","metric":"api_calls","value":1,"timestamp":"yesterday"}]}""", "events[0].timestamp" },
            { "NUL in the id", $$"""{"events":[{{Event("a\u0000b")}}]}""", "events[0].id" },
            { "NUL in a property", """{"events":[{"id":"a","metric":"api_calls","value":1,"properties":{"note":"x\u0000"}}]}""", "events[0].properties" },
            { "NUL in a property name", """{"events":[{"id":"a","metric":"api_calls","value":1,"properties":{"deep":[{"k\u0000":1}]}}]}""", "events[0].properties" },
            { "lone surrogate in the id", """{"events":[{"id":"a\udc00","metric":"api_calls","value":1}]}""", "events[0].id" },
            { "lone surrogate in a property", """{"events":[{"id":"a","metric":"api_calls","value":1,"properties":{"note":"\ud800"}}]}""", "events[0].properties" },
            { "properties not an object", """{"events":[{"id":"a","metric":"api_calls","value":1,"properties":[1]}]}""", "events[0].properties" },
            { "one bad event among good ones", $$"""{"events":[{{Event("ok-1")}},{{Event("ok-2")}},{{Event("bad", value: -5)}}]}""", "events[2].value" },
            { "too many events", "{\"events\":[" + string.Join(",", Enumerable.Range(0, 1001).Select(i => Event($"n{i}"))) + "]}", "events" },
        };
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_a_400_problem_naming_the_field_and_nothing_is_stored(string because, string body, string field)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync(name: because);
        using var http = api.CreateClient(key);

        var response = await http.PostAsync("/api/v1/usage/events", Json(body), TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field.Length > 0)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{because}: no error for {field} in {problem}");
        }
        else
        {
            Assert.EndsWith("/malformed-json", problem.GetProperty("type").GetString());
        }

        Assert.Equal(0, await StoredEventsAsync(tenantId));
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413_and_nothing_is_stored()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        var padding = new string('p', 1024 * 1024);
        var body = $$$"""{"events":[{"id":"a","metric":"api_calls","value":1,"properties":{"pad":"{{{padding}}}"}}]}""";

        var response = await http.PostAsync("/api/v1/usage/events", Json(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await StoredEventsAsync(tenantId));
    }

    [Fact]
    public async Task A_late_event_lands_in_its_own_period_until_that_period_is_invoiced()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        var now = DateTimeOffset.UtcNow;
        var anchor = now.AddDays(-40);
        var firstPeriodEnd = anchor.AddMonths(1);
        await using (var db = api.CreateDbContext())
        {
            var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
            subscription.BillingAnchor = anchor;
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        using var http = api.CreateClient(key);
        var late = await http.PostAsync("/api/v1/usage/events",
            Json($$"""{"events":[{{Event("late", value: 5, at: firstPeriodEnd.AddDays(-1))}},{{Event("current", value: 7, at: now)}}]}"""), TestContext.Current.CancellationToken);
        var usage = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);

        await using (var db = api.CreateDbContext())
        {
            db.Invoices.Add(new Invoice
            {
                Id = Guid.NewGuid(), TenantId = tenantId, StripeInvoiceId = $"in_{Guid.NewGuid():N}", Status = "paid", Currency = "usd",
                PeriodStart = anchor, PeriodEnd = firstPeriodEnd, CreatedAt = firstPeriodEnd, UpdatedAt = firstPeriodEnd,
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        // As the webhook processor does after storing an invoice.
        await api.Services.GetRequiredService<CacheInvalidation>().EvictEverywhereAsync(TenantBillingStore.CacheKey(tenantId));
        var refused = await http.PostAsync("/api/v1/usage/events",
            Json($$"""{"events":[{{Event("too-late", at: firstPeriodEnd.AddHours(-2))}}]}"""), TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(firstPeriodEnd, usage.GetProperty("periodStart").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(7, usage.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "api_calls").GetProperty("used").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("already been invoiced", problem.GetProperty("errors").GetProperty("events[0].timestamp")[0].GetString());
        Assert.Equal(2, await StoredEventsAsync(tenantId));
    }

    [Fact]
    public async Task Concurrent_single_event_requests_with_duplicates_store_each_id_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);
        // 400 requests over 300 distinct ids: 100 ids are sent twice, concurrently.
        var ids = Enumerable.Range(0, 400).Select(i => $"c-{i % 300}").ToList();

        var responses = await Task.WhenAll(ids.Select(async id =>
            await (await http.PostAsync("/api/v1/usage/events", Json($$"""{"events":[{{Event(id, value: 3)}}]}"""), TestContext.Current.CancellationToken))
                .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)));

        Assert.Equal(300, responses.Sum(r => r.GetProperty("accepted").GetInt32()));
        Assert.Equal(100, responses.Sum(r => r.GetProperty("duplicates").GetInt32()));
        await using var db = api.CreateDbContext();
        Assert.Equal(300, await db.UsageEvents.LongCountAsync(e => e.TenantId == tenantId, TestContext.Current.CancellationToken));
        Assert.Equal(900, await db.UsageEvents.Where(e => e.TenantId == tenantId).SumAsync(e => e.Value, TestContext.Current.CancellationToken));
    }
}
