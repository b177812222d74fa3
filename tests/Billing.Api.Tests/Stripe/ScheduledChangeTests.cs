using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Billing.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Stripe;
using Stripe.Billing;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Api.Tests.Stripe;

/// <summary>
/// Changes scheduled for the period end, billed by the emulator at renewal: a downgrade bills the new base fee in
/// advance while the ended period keeps the old plan's tiers, and choosing a paid plan again undoes what was scheduled.
/// </summary>
public sealed class ScheduledChangeTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    private async Task<(string Customer, string Subscription, DateTimeOffset PeriodStart)> StripeStateAsync(Guid tenantId)
    {
        await using var db = system.CreateDbContext();
        var tenant = await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken);
        var subscription = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
        return (tenant.StripeCustomerId!, subscription.StripeSubscriptionId!, subscription.CurrentPeriodStart);
    }

    private async Task ReportUsageAsync(string customer, string metric, long value, DateTimeOffset at) =>
        await system.Stripe.V1.Billing.MeterEvents.CreateAsync(new MeterEventCreateOptions
        {
            EventName = metric,
            Identifier = $"{customer}-{metric}-{at.ToUnixTimeSeconds()}",
            Payload = new Dictionary<string, string> { ["stripe_customer_id"] = customer, ["value"] = value.ToString(CultureInfo.InvariantCulture) },
            Timestamp = at.UtcDateTime,
        }, cancellationToken: TestContext.Current.CancellationToken);

    private async Task<IReadOnlyList<string>> PricesOfAsync(PlanTier plan)
    {
        await using var scope = system.Api.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StripeCatalogIds>().PricesForAsync(plan, TestContext.Current.CancellationToken);
    }

    private async Task<global::Stripe.Subscription> StripeSubscriptionAsync(string id) =>
        await system.Stripe.V1.Subscriptions.GetAsync(id, cancellationToken: TestContext.Current.CancellationToken);

    private async Task<Billing.Infrastructure.Data.Entities.Invoice> RenewalAsync(Guid tenantId)
    {
        await system.ProcessWebhooksUntilAsync(async db => await db.Invoices.CountAsync(i => i.TenantId == tenantId && i.Status == "paid") >= 2
            && await db.WebhookEvents.AllAsync(e => e.Status != "received"));
        await using var db = system.CreateDbContext();
        return await db.Invoices.Include(i => i.Lines).Where(i => i.TenantId == tenantId).OrderByDescending(i => i.PeriodEnd).FirstAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_downgrade_bills_the_new_base_fee_at_renewal_and_the_ended_period_at_the_old_tiers()
    {
        var (tenantId, http) = await system.PaidTenantAsync("enterprise");
        var (customer, subscriptionId, periodStart) = await StripeStateAsync(tenantId);
        // Inside Enterprise's included quantities, over Standard's: at Standard's tiers this would cost 20 × $2.00 + 5,000 × $0.02.
        await ReportUsageAsync(customer, "llm_tokens", 30_000_000, periodStart.AddMinutes(1));
        await ReportUsageAsync(customer, "agent_executions", 15_000, periodStart.AddMinutes(1));

        var scheduled = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "standard" });
        // The change's own customer.subscription.updated must not switch the plan before the period ends.
        await system.ProcessWebhooksUntilAsync(async db => (await db.WebhookEvents.Where(e => e.Type == "customer.subscription.updated" && e.Status != "received")
            .Select(e => e.Payload).ToListAsync()).Any(p => p.Contains(customer, StringComparison.Ordinal)));
        var usageBefore = await http.GetFromJsonAsync<JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        var pendingItems = await system.Stripe.V1.InvoiceItems.ListAsync(new InvoiceItemListOptions { Customer = customer, Pending = true },
            cancellationToken: TestContext.Current.CancellationToken);
        await using (var db = system.CreateDbContext())
        {
            var before = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
            Assert.Equal(("enterprise", "standard"), (before.Plan, before.PendingPlan));
            Assert.Equal("enterprise", (await db.Tenants.SingleAsync(t => t.Id == tenantId, TestContext.Current.CancellationToken)).Plan);
        }

        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        var renewal = await RenewalAsync(tenantId);

        Assert.Equal("enterprise", scheduled.GetProperty("plan").GetString());
        Assert.Equal("standard", scheduled.GetProperty("pendingPlan").GetString());
        // Until the period ends the tenant keeps Enterprise's quotas, and nothing is credited or charged now.
        Assert.Equal("enterprise", usageBefore.GetProperty("plan").GetString());
        Assert.Contains(usageBefore.GetProperty("metrics").EnumerateArray(), m => m.GetProperty("metric").GetString() == "llm_tokens" && m.GetProperty("included").GetInt64() == 100_000_000);
        Assert.Empty(pendingItems.Data);
        // The renewal bills Standard's base fee in advance for the new period, and the ended period's usage at Enterprise's tiers.
        var baseLine = Assert.Single(renewal.Lines, l => l.Metric is null);
        Assert.Equal(9_900, baseLine.AmountCents);
        Assert.Equal(renewal.PeriodEnd, baseLine.PeriodStart);
        Assert.Equal(0, Assert.Single(renewal.Lines, l => l.Metric == "llm_tokens" && l.Quantity == 30_000_000).AmountCents);
        Assert.Equal(0, Assert.Single(renewal.Lines, l => l.Metric == "agent_executions" && l.Quantity == 15_000).AmountCents);
        Assert.DoesNotContain(renewal.Lines, l => l.Proration);
        Assert.Equal(9_900, renewal.TotalCents);
        // From the new period on, Standard everywhere: locally, and every price of the Stripe subscription.
        var after = await http.GetFromJsonAsync<JsonElement>("/api/v1/subscription", TestContext.Current.CancellationToken);
        Assert.Equal("standard", after.GetProperty("plan").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("pendingPlan").ValueKind);
        var stripeSubscription = await StripeSubscriptionAsync(subscriptionId);
        Assert.Equal((await PricesOfAsync(PlanTier.Standard)).Order(), stripeSubscription.Items.Data.Select(i => i.Price.Id).Order());
    }

    [Fact]
    public async Task Choosing_the_current_plan_again_undoes_a_scheduled_downgrade()
    {
        var (tenantId, http) = await system.PaidTenantAsync("enterprise");
        var (_, subscriptionId, _) = await StripeStateAsync(tenantId);

        await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "standard" });
        var kept = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "enterprise" });
        var stripeSubscription = await StripeSubscriptionAsync(subscriptionId);
        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        var renewal = await RenewalAsync(tenantId);

        Assert.Equal("enterprise", kept.GetProperty("plan").GetString());
        Assert.Equal(JsonValueKind.Null, kept.GetProperty("pendingPlan").ValueKind);
        Assert.Equal((await PricesOfAsync(PlanTier.Enterprise)).Order(), stripeSubscription.Items.Data.Select(i => i.Price.Id).Order());
        Assert.Equal(99_900, Assert.Single(renewal.Lines, l => l.Metric is null).AmountCents);
        Assert.DoesNotContain(renewal.Lines, l => l.Proration);
        await using var db = system.CreateDbContext();
        Assert.Equal("enterprise", (await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken)).Plan);
    }

    [Theory]
    [InlineData("standard", 9_900)]
    [InlineData("enterprise", 99_900)]
    public async Task Choosing_a_paid_plan_while_a_downgrade_to_free_is_scheduled_keeps_the_subscription(string choice, long renewalBaseCents)
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        var (_, subscriptionId, _) = await StripeStateAsync(tenantId);

        var toFree = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "free" });
        var kept = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = choice });
        var stripeSubscription = await StripeSubscriptionAsync(subscriptionId);
        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        var renewal = await RenewalAsync(tenantId);

        Assert.True(toFree.GetProperty("cancelAtPeriodEnd").GetBoolean());
        Assert.Equal("free", toFree.GetProperty("pendingPlan").GetString());
        Assert.False(kept.GetProperty("cancelAtPeriodEnd").GetBoolean());
        Assert.Equal(JsonValueKind.Null, kept.GetProperty("pendingPlan").ValueKind);
        Assert.Equal(choice, kept.GetProperty("plan").GetString());
        Assert.False(stripeSubscription.CancelAtPeriodEnd);
        Assert.Equal("active", stripeSubscription.Status);
        // The period ended without Stripe deleting the subscription: it renewed, billing the chosen plan's base fee.
        Assert.Equal(renewalBaseCents, Assert.Single(renewal.Lines, l => l.Metric is null && !l.Proration).AmountCents);
        await using var db = system.CreateDbContext();
        var local = await db.Subscriptions.SingleAsync(s => s.TenantId == tenantId, TestContext.Current.CancellationToken);
        Assert.Equal((choice, "active", subscriptionId, false), (local.Plan, local.Status, local.StripeSubscriptionId, local.CancelAtPeriodEnd));
        Assert.Equal("active", (await StripeSubscriptionAsync(subscriptionId)).Status);
    }

    [Fact]
    public async Task Choosing_the_plan_again_after_cancelling_at_period_end_keeps_the_subscription()
    {
        var (tenantId, http) = await system.PaidTenantAsync("standard");
        var (_, subscriptionId, _) = await StripeStateAsync(tenantId);

        await StripeSystem.PostAsync(http, "/api/v1/subscription/cancel", new { atPeriodEnd = true });
        var kept = await StripeSystem.PostAsync(http, "/api/v1/subscription/change-plan", new { plan = "standard" });
        await system.AdvanceClockAsync(TimeSpan.FromDays(32));
        var renewal = await RenewalAsync(tenantId);

        Assert.False(kept.GetProperty("cancelAtPeriodEnd").GetBoolean());
        Assert.Equal(9_900, Assert.Single(renewal.Lines, l => l.Metric is null).AmountCents);
        Assert.Equal("active", (await StripeSubscriptionAsync(subscriptionId)).Status);
    }
}
