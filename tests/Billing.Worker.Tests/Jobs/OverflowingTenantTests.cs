using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Tests.Stripe;
using Billing.Domain.Metering;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Billing.Worker.Tests.Support;
using Npgsql;
using static Billing.Worker.Tests.Support.Pipeline;

namespace Billing.Worker.Tests.Jobs;

/// <summary>
/// One tenant driving its sums to the limit (and past it, through rows that bypassed the limit) stalls nobody: its
/// request past the limit is refused, its unaggregatable events are set aside for the operator, and every other
/// tenant's usage is aggregated and billed at Stripe as before.
/// </summary>
public sealed class OverflowingTenantTests(StripeSystem system, DataStoresFixture stores) : IClassFixture<StripeSystem>
{
    private static object[] Events(string prefix, int count, long value, DateTimeOffset at) =>
        [.. Enumerable.Range(0, count).Select(i => Event($"{prefix}-{i}", "llm_tokens", value, at))];

    /// <summary>Σ aggregates and Σ sent submissions (Σ of the events themselves would not fit a bigint here).</summary>
    private async Task<(long Aggregated, long Sent)> AggregatedAndSentAsync(Guid tenantId)
    {
        await using var connection = new NpgsqlConnection(system.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT coalesce(sum(value), 0) FROM usage_aggregates WHERE tenant_id = @t AND metric = 'llm_tokens')::bigint,
                   (SELECT coalesce(sum(value), 0) FROM meter_submissions WHERE tenant_id = @t AND metric = 'llm_tokens' AND status = 'sent')::bigint
            """, connection);
        command.Parameters.AddWithValue("t", tenantId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    [Fact]
    public async Task A_tenant_at_the_limit_is_refused_and_set_aside_while_another_is_aggregated_and_billed()
    {
        var abuser = await system.SubscribeAsync();
        var bystander = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        var at = DateTimeOffset.UtcNow;
        using var abuserHttp = system.Client(abuser.Key);
        for (var request = 0; request < 9; request++)
        {
            await system.IngestAsync(abuser.Key, Events($"r{request}", 1000, UsageEventRules.MaxValue, at));
        }

        var refused = await abuserHttp.PostAsJsonAsync("/api/v1/usage/events", new { events = Events("past", 1000, UsageEventRules.MaxValue, at) },
            TestContext.Current.CancellationToken);
        // Rows an earlier version accepted without the limit: together past what the window (and bigint) may hold.
        await using (var connection = new NpgsqlConnection(system.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await UsageEventStore.InsertAsync(connection, null,
                [.. Enumerable.Range(0, 2).Select(i => new NewUsageEvent(abuser.TenantId, $"legacy-{i}", "llm_tokens", 5_000_000_000_000_000_000, at, abuser.Anchor, null, null))],
                TestContext.Current.CancellationToken);
        }

        await system.IngestAsync(bystander.Key, Event("b1", "llm_tokens", 1_234, at), Event("b2", "api_calls", 56, at), Event("b3", "storage_mb", 700, at));
        await worker.AggregateAsync();
        await worker.SubmitAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        foreach (var (metric, value) in new[] { ("llm_tokens", 1_234L), ("api_calls", 56L) })
        {
            var (events, aggregates, sent, unsent) = await system.LedgersAsync(bystander.TenantId, metric);
            Assert.Equal((value, value, value, 0), (events, aggregates, sent, unsent));
            Assert.Equal(value, await system.AtStripeAsync(bystander.CustomerId, metric, bystander.Anchor));
        }

        Assert.Equal(700m, await system.AtStripeAsync(bystander.CustomerId, "storage_mb", bystander.Anchor));
        // The abuser's accepted usage is billed in full; the rows past the limit are not.
        Assert.Equal((9_000_000_000_000_000L, 9_000_000_000_000_000L), await AggregatedAndSentAsync(abuser.TenantId));
        Assert.Equal(9_000_000_000_000_000m, await system.AtStripeAsync(abuser.CustomerId, "llm_tokens", abuser.Anchor));

        using var operatorHttp = system.Client(StripeSystem.ApiOnKestrel.OperatorKey);
        var deadLetters = (await operatorHttp.GetFromJsonAsync<JsonElement[]>($"/api/v1/metering/dead-letters?tenantId={abuser.TenantId}", TestContext.Current.CancellationToken))!;
        Assert.Equal(["legacy-1", "legacy-0"], deadLetters.Select(d => d.GetProperty("eventId").GetString()));
        Assert.All(deadLetters, d => Assert.Contains("9,007,199,254,740,991", d.GetProperty("reason").GetString()));
        Assert.Empty((await operatorHttp.GetFromJsonAsync<JsonElement[]>($"/api/v1/metering/dead-letters?tenantId={bystander.TenantId}", TestContext.Current.CancellationToken))!);
    }
}
