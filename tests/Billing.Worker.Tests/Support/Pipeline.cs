using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Tests.Stripe;
using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Stripe.Billing;

namespace Billing.Worker.Tests.Support;

/// <summary>The steps of a metering scenario: a subscribed tenant, usage through the API, and the three ledgers to compare.</summary>
public static class Pipeline
{
    public sealed record Subscribed(Guid TenantId, string Key, string CustomerId, DateTimeOffset Anchor);

    /// <summary>A tenant with a card on file that moved from Free to a paid plan through the API: a Stripe customer and subscription exist.</summary>
    public static async Task<Subscribed> SubscribeAsync(this StripeSystem system, string plan = "standard")
    {
        var (tenantId, key) = await system.CreateTenantAsync("free");
        await system.CardOnFileAsync(tenantId);
        using (var http = system.Client(key))
        {
            (await http.PostAsJsonAsync("/api/v1/subscription/change-plan", new { plan }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        await using var db = system.CreateDbContext();
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
        return new Subscribed(tenantId, key, tenant.StripeCustomerId!, subscription.BillingAnchor);
    }

    public static async Task<JsonElement> IngestAsync(this StripeSystem system, string key, params object[] events)
    {
        using var http = system.Client(key);
        var response = await http.PostAsJsonAsync("/api/v1/usage/events", new { events }, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    public static object Event(string id, string metric, long value, DateTimeOffset? at = null) =>
        new { id, metric, value, timestamp = at ?? DateTimeOffset.UtcNow };

    /// <summary>Σ (or max / last) of the accepted events, the aggregates and the sent submissions of one tenant and metric.</summary>
    public static async Task<(long Events, long Aggregates, long Sent, int Unsent)> LedgersAsync(this StripeSystem system, Guid tenantId, string metric)
    {
        await using var connection = new NpgsqlConnection(system.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT coalesce(sum(value), 0) FROM usage_events WHERE tenant_id = @t AND metric = @m)::bigint,
                   (SELECT coalesce(sum(value), 0) FROM usage_aggregates WHERE tenant_id = @t AND metric = @m)::bigint,
                   (SELECT coalesce(sum(value), 0) FROM meter_submissions WHERE tenant_id = @t AND metric = @m AND status = 'sent')::bigint,
                   (SELECT count(*) FROM meter_submissions WHERE tenant_id = @t AND metric = @m AND status <> 'sent')::int
            """, connection);
        command.Parameters.AddWithValue("t", tenantId);
        command.Parameters.AddWithValue("m", metric);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3));
    }

    /// <summary>What Stripe has counted for the customer on the metric's meter around now (its formula applied).</summary>
    public static async Task<decimal> AtStripeAsync(this StripeSystem system, string customerId, string metric, DateTimeOffset from)
    {
        await using var db = system.CreateDbContext();
        var meter = await db.StripeCatalog.AsNoTracking().SingleAsync(e => e.LookupKey == $"meter_{metric}", TestContext.Current.CancellationToken);
        var start = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, from.Minute, 0, TimeSpan.Zero).AddMinutes(-5);
        var summaries = await system.Stripe.V1.Billing.Meters.EventSummaries.ListAsync(meter.StripeId, new MeterEventSummaryListOptions
        {
            Customer = customerId,
            StartTime = start.UtcDateTime,
            EndTime = start.AddHours(2).UtcDateTime,
        }, cancellationToken: TestContext.Current.CancellationToken);
        return summaries.Data.Sum(s => s.AggregatedValue);
    }

    public static async Task<List<MeterSubmission>> SubmissionsAsync(this StripeSystem system, Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        return await db.MeterSubmissions.AsNoTracking().Where(s => s.TenantId == tenantId).OrderBy(s => s.Id).ToListAsync(TestContext.Current.CancellationToken);
    }
}
