using System.Net.Http.Json;
using System.Text.Json;
using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Quotas;
using Billing.Infrastructure.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// A consume that failed part-way must not turn its client's correct retry into a free pass: the retry either records
/// the units or answers what was recorded, and the units are counted once.
/// </summary>
public sealed class ConsumeRetryTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string MetricKey = "agent_executions";

    /// <summary>Counts the units in Redis under the key, as the first call did before it stopped short of storing them.</summary>
    private async Task<(BillingPeriod Period, QuotaLedger Ledger, IServiceScope Scope)> ReserveAsync(Guid tenantId, string idempotencyKey, long amount)
    {
        var scope = api.Services.CreateScope();
        using var tenant = TenantScope.Enter(tenantId);
        var billing = (await scope.ServiceProvider.GetRequiredService<TenantBillingStore>().GetAsync(tenantId, TestContext.Current.CancellationToken))!;
        var period = billing.PeriodAt(DateTimeOffset.UtcNow);
        var ledger = scope.ServiceProvider.GetRequiredService<QuotaLedger>();
        var decision = await ledger.DecideAsync(tenantId, billing.Plan.Quota(Metric.AgentExecutions), period, amount, reserve: true, idempotencyKey,
            "consume:" + idempotencyKey, TestContext.Current.CancellationToken);
        Assert.True(decision.Reserved);
        return (period, ledger, scope);
    }

    private async Task<(JsonElement Body, long Recorded)> RetryAsync(Guid tenantId, string key, string idempotencyKey, long amount)
    {
        using var http = api.CreateClient(key);
        var response = await http.PostAsJsonAsync("/api/v1/entitlements/consume", new { metric = MetricKey, amount, idempotencyKey }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        await api.UsageDrainedAsync();
        await using var db = api.CreateDbContext();
        var recorded = await db.UsageEvents.Where(e => e.TenantId == tenantId && e.Metric == MetricKey).SumAsync(e => e.Value, TestContext.Current.CancellationToken);
        return (body, recorded);
    }

    [Fact]
    public async Task A_retry_after_the_first_call_died_between_counting_and_storing_records_the_units_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var (_, _, scope) = await ReserveAsync(tenantId, "job-crashed", 3);
        scope.Dispose();

        var (first, recordedAfterFirst) = await RetryAsync(tenantId, key, "job-crashed", 3);
        var (second, recordedAfterSecond) = await RetryAsync(tenantId, key, "job-crashed", 3);

        Assert.Equal("allow", first.GetProperty("decision").GetString());
        Assert.Equal(3, recordedAfterFirst);
        Assert.Equal(3, recordedAfterSecond);
        Assert.Equal(3, second.GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task After_a_reservation_is_given_back_the_retry_is_decided_and_recorded_afresh()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var (period, ledger, scope) = await ReserveAsync(tenantId, "job-503", 5);
        using (scope)
        {
            // What the endpoint does when the usage store refuses the event: the units and the key's marker go back.
            await ledger.ReleaseAsync(tenantId, Metric.AgentExecutions, period, 5, null, "job-503");
        }

        var (retry, recorded) = await RetryAsync(tenantId, key, "job-503", 5);

        Assert.True(retry.GetProperty("consumed").GetBoolean());
        Assert.Equal(5, retry.GetProperty("used").GetInt64());
        Assert.Equal(5, recorded);
    }
}
