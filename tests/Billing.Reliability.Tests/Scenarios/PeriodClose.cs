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
        decimal onDrafts = 0;
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
        }, async (loaded, ct) =>
        {
            foreach (var tenant in loaded)
            {
                var draft = await RenewalAsync(tenant, tenant.PeriodAt(tenant.Anchor).End);
                Assert.Equal("draft", draft.Status);
                onDrafts += (await MeteredLinesAsync(draft)).Sum(l => l.Quantity);
            }

            await system.Clock.AdvanceAsync(system, RenewalDraft + TimeSpan.FromMinutes(1), ct);
        }, Token);

        ScenarioAssert.Holds(result);
        decimal invoiced = 0;
        foreach (var tenant in tenants)
        {
            var periods = result.Ledgers.Where(l => l.Tenant == tenant.Id).GroupBy(l => l.Period).ToList();
            Assert.Equal(2, periods.Count);
            Assert.All(periods, p => Assert.True(p.Sum(l => l.Confirmed) > 0, $"no usage confirmed in {p.Key}\n{result.Explain()}"));
            invoiced += await AssertInvoicedAsync(tenant, periods[0].ToList(), result);
        }

        // The old period's last usage reached the meters after its end (the drain ran after the boundary): it is on the
        // invoices only because they were still drafts, as at Stripe.
        var ended = tenants.Select(t => t.PeriodAt(t.Anchor)).ToHashSet();
        var byPeriod = result.Ledgers.GroupBy(l => ended.Contains(l.Period) ? "ended" : "new").Select(g =>
            $"{g.Key} periods: confirmed {g.Sum(l => l.Confirmed)}, usage_events {g.Sum(l => l.Events)}, aggregates {g.Sum(l => l.Aggregates)}, Stripe {g.Sum(l => l.AtStripe)}");
        ReliabilityReport.Note(result.Scenario,
            $"{string.Join("; ", byPeriod)}; units of the ended periods on the renewal drafts at the close {onDrafts}, on the finalized invoices {invoiced}");
        Assert.True(onDrafts < invoiced, $"no usage arrived after the close: {onDrafts} on the drafts, {invoiced} invoiced");
    }

    /// <summary>
    /// The ended period's renewal invoice at the emulator is paid and bills exactly the period's usage of each metered
    /// price (none for the metrics the load does not send); returns the units it bills.
    /// </summary>
    private async Task<decimal> AssertInvoicedAsync(LoadTenant tenant, IReadOnlyList<LedgerLine> oldPeriod, ScenarioResult result)
    {
        var renewal = await RenewalAsync(tenant, oldPeriod[0].Period.End);
        Assert.Equal("paid", renewal.Status);
        var lines = await MeteredLinesAsync(renewal);
        foreach (var (metric, quantity) in lines)
        {
            var held = oldPeriod.SingleOrDefault(l => l.Metric == metric)?.Events ?? 0;
            Assert.True(held == quantity, $"{tenant.Id:N} {metric}: invoice {renewal.Id} bills {quantity}, the period holds {held}\n{result.Explain()}");
        }

        Assert.Subset(lines.Select(l => l.Metric).ToHashSet(), Ledgers.Metrics.ToHashSet());
        return lines.Sum(l => l.Quantity);
    }

    /// <summary>The emulator's renewal invoice of the tenant's period ending at <paramref name="periodEnd"/>.</summary>
    private async Task<Invoice> RenewalAsync(LoadTenant tenant, DateTimeOffset periodEnd)
    {
        var invoices = await system.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = tenant.CustomerId }, cancellationToken: Token);
        var renewal = invoices.Data.SingleOrDefault(i => i.BillingReason == "subscription_cycle" && i.PeriodEnd == periodEnd.UtcDateTime);
        Assert.True(renewal is not null, $"no renewal invoice for {tenant.Id:N}'s period ending {periodEnd:O}; its invoices: " +
            string.Join("; ", invoices.Data.Select(i => $"{i.Id} {i.BillingReason} {i.Status} {i.PeriodStart:O}–{i.PeriodEnd:O}")));
        return renewal;
    }

    /// <summary>The invoice's usage lines (prices on a meter) as (metric, quantity).</summary>
    private async Task<List<(string Metric, decimal Quantity)>> MeteredLinesAsync(Invoice invoice)
    {
        var meters = await MetersByIdAsync();
        var lines = new List<(string, decimal)>();
        foreach (var line in invoice.Lines.Data)
        {
            var price = await system.Stripe.V1.Prices.GetAsync(line.Pricing.PriceDetails.PriceId, cancellationToken: Token);
            if (price.Recurring?.Meter is { } meter)
            {
                lines.Add((meters[meter], line.Quantity ?? 0));
            }
        }

        return lines;
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
