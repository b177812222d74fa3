using Billing.Reliability.Tests.Harness;
using Billing.Reliability.Tests.Load;
using Npgsql;
using Stripe;

namespace Billing.Reliability.Tests.Scenarios;

/// <summary>
/// Scenario 7: a billing period closes under load. The services' clocks and the emulator's jump together to just before
/// the tenants' first period ends; the load runs on across every tenant's boundary, so usage lands on both sides of it
/// (and in the 1-minute window and 5-minute bucket the boundary cuts); then the renewals' drafts finalize an hour later,
/// as at Stripe, with what the meters hold by then.
/// </summary>
public sealed partial class FaultScenarios
{
    /// <summary>How long a renewal stays a draft at the emulator (<c>Emulator:RenewalDraftSeconds</c> in the suite).</summary>
    private static readonly TimeSpan RenewalDraft = TimeSpan.FromHours(1);

    [Fact]
    [Scenario(13)]
    public async Task A_billing_period_closing_under_load_counts_every_unit_once_in_its_own_period_and_invoices_the_old_one()
    {
        IReadOnlyList<LoadTenant> tenants = [];
        var result = await new ScenarioRunner(system).RunAsync("7. billing period closes under load", async (loaded, ct) =>
        {
            tenants = loaded;
            var ends = loaded.Select(t => t.PeriodAt(system.Clock.Now).End).ToList();
            Assert.True(ends.Max() - ends.Min() < TimeSpan.FromSeconds(20), "the tenants' periods end too far apart to cross under one load");
            var jump = ends.Min() - TimeSpan.FromSeconds(3) - system.Clock.Now;
            await system.Clock.AdvanceAsync(system, TimeSpan.FromSeconds(Math.Floor(jump.TotalSeconds)), ct);
            // Time passing is the fault: it has ended once the last tenant's period has.
            while (system.Clock.Now < ends.Max() + TimeSpan.FromSeconds(1))
            {
                await Task.Delay(100, ct);
            }
        }, async (_, ct) =>
        {
            await system.Clock.AdvanceAsync(system, RenewalDraft + TimeSpan.FromMinutes(1), ct);
        }, Token);

        ScenarioAssert.Holds(result);
        foreach (var tenant in tenants)
        {
            var periods = result.Ledgers.Where(l => l.Tenant == tenant.Id).GroupBy(l => l.Period).ToList();
            Assert.Equal(2, periods.Count);
            Assert.All(periods, p => Assert.True(p.Sum(l => l.Confirmed) > 0, $"no usage confirmed in {p.Key}\n{result.Explain()}"));
            await AssertInvoicedAsync(tenant, periods[0].ToList(), result);
        }
    }

    /// <summary>The ended period's renewal invoice at the emulator bills exactly the period's usage of each metered price.</summary>
    private async Task AssertInvoicedAsync(LoadTenant tenant, IReadOnlyList<LedgerLine> oldPeriod, ScenarioResult result)
    {
        var period = oldPeriod[0].Period;
        var invoices = await system.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = tenant.CustomerId }, cancellationToken: Token);
        var renewal = invoices.Data.Single(i => i.BillingReason == "subscription_cycle" && i.PeriodEnd == period.End.UtcDateTime);
        Assert.Equal("paid", renewal.Status);
        var meters = await MetersByIdAsync();
        foreach (var line in renewal.Lines.Data)
        {
            var price = await system.Stripe.V1.Prices.GetAsync(line.Pricing.PriceDetails.PriceId, cancellationToken: Token);
            if (price.Recurring?.Meter is not { } meter)
            {
                continue;
            }

            var ledger = oldPeriod.Single(l => l.Metric == meters[meter]);
            Assert.True(ledger.Events == line.Quantity,
                $"{tenant.Id:N} {ledger.Metric}: invoice {renewal.Id} bills {line.Quantity}, the period holds {ledger.Events}\n{result.Explain()}");
        }
    }

    private async Task<Dictionary<string, string>> MetersByIdAsync()
    {
        await using var connection = await system.OpenAsync(Token);
        await using var command = new NpgsqlCommand("SELECT stripe_id, metric FROM stripe_catalog WHERE kind = 'meter'", connection);
        await using var reader = await command.ExecuteReaderAsync(Token);
        var meters = new Dictionary<string, string>();
        while (await reader.ReadAsync(Token))
        {
            meters[reader.GetString(0)] = reader.GetString(1);
        }

        return meters;
    }
}
