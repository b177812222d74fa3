using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// With <c>Emulator:RenewalDraftSeconds</c> a renewal's invoice stays a draft, as Stripe keeps it for about an hour, and
/// usage that reaches the meter in that time, stamped inside the ended period, is billed on it.
/// </summary>
public sealed class RenewalDraftTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync("Emulator:RenewalDraftSeconds=3600");

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_renewal_stays_a_draft_for_the_configured_time_and_bills_the_usage_that_arrived_late_for_its_period()
    {
        var stripe = _host.Stripe;
        var catalog = await Catalog.CreateAsync(stripe, baseCents: 4900);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(stripe, Catalog.Jan1);
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.Base.Id }, new SubscriptionItemOptions { Price = catalog.Metered.Id }],
        });
        var periodEnd = Catalog.Jan1.AddMonths(1);
        await Catalog.SendUsageAsync(stripe, customer.Id, "on-time", 1000, Catalog.Jan1.AddMinutes(1));

        await stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = periodEnd.AddMinutes(10) });
        var draft = await CycleInvoiceAsync(subscription.Id);
        await Catalog.SendUsageAsync(stripe, customer.Id, "late-for-january", 11_000, periodEnd.AddSeconds(-1));
        await Catalog.SendUsageAsync(stripe, customer.Id, "february", 700, periodEnd.AddMinutes(5));
        await stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = periodEnd.AddHours(1).AddMinutes(1) });
        var finalized = await CycleInvoiceAsync(subscription.Id);

        Assert.Equal("draft", draft.Status);
        Assert.Null(draft.Number);
        Assert.Equal(periodEnd.AddHours(1), draft.AutomaticallyFinalizesAt);
        Assert.Equal(1000, MeteredLine(draft, catalog).Quantity);
        Assert.Equal(draft.Id, finalized.Id);
        Assert.Equal("paid", finalized.Status);
        Assert.NotNull(finalized.Number);
        Assert.Null(finalized.AutomaticallyFinalizesAt);
        Assert.Equal(periodEnd.AddHours(1), finalized.StatusTransitions.FinalizedAt);
        // 12,000 calls: 1,000 free, 9,000 at 0.4 cents, 2,000 at 0.15 cents.
        Assert.Equal(12_000, MeteredLine(finalized, catalog).Quantity);
        Assert.Equal(3600 + 300, MeteredLine(finalized, catalog).Amount);
        Assert.Equal(3900 + 4900, finalized.AmountPaid);
    }

    private async Task<Invoice> CycleInvoiceAsync(string subscription) =>
        (await _host.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscription })).Data.Single(i => i.BillingReason == "subscription_cycle");

    private static InvoiceLineItem MeteredLine(Invoice invoice, Catalog catalog) =>
        invoice.Lines.Data.Single(l => l.Pricing.PriceDetails.PriceId == catalog.Metered.Id);
}
