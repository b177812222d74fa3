using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>Subscription changes: prorations, cancellation, failed payments and the billing cycle anchor.</summary>
public sealed class SubscriptionTests : IAsyncLifetime
{
    private static readonly DateTime Jan16 = Catalog.Jan1.AddDays(15);

    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private StripeClient Stripe => _host.Stripe;

    [Fact]
    public async Task An_upgrade_mid_period_credits_unused_time_and_charges_the_rest_on_the_next_invoice()
    {
        var small = await Catalog.CreateAsync(Stripe, 3000, "calls_small");
        var large = await Catalog.CreateAsync(Stripe, 6000, "calls_large");
        var (clock, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = small.Base.Id }] });
        await AdvanceAsync(clock.Id, Jan16);

        await Stripe.V1.Subscriptions.UpdateAsync(sub.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = sub.Items.Data[0].Id, Price = large.Base.Id }],
            ProrationBehavior = "create_prorations",
        });
        await AdvanceAsync(clock.Id, Catalog.Jan1.AddMonths(1).AddHours(1));

        // 16 of January's 31 days remain on 16 January.
        var remaining = 16m / 31m;
        var credit = -(long)Math.Round(3000 * remaining, MidpointRounding.AwayFromZero);
        var charge = (long)Math.Round(6000 * remaining, MidpointRounding.AwayFromZero);
        var cycle = (await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data.Single(i => i.BillingReason == "subscription_cycle");
        var prorations = cycle.Lines.Data.Where(l => l.Parent.InvoiceItemDetails?.Proration == true).Select(l => l.Amount).Order().ToList();

        Assert.Equal([credit, charge], prorations);
        Assert.Equal(credit + charge + 6000, cycle.Total);
        Assert.Equal("paid", cycle.Status);
    }

    [Fact]
    public async Task Always_invoice_bills_the_proration_at_once_and_none_bills_nothing()
    {
        var small = await Catalog.CreateAsync(Stripe, 3000, "calls_small");
        var large = await Catalog.CreateAsync(Stripe, 6000, "calls_large");
        var (clock, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = small.Base.Id }] });
        await AdvanceAsync(clock.Id, Jan16);

        var item = await Stripe.V1.SubscriptionItems.UpdateAsync(sub.Items.Data[0].Id, new SubscriptionItemUpdateOptions { Price = large.Base.Id, ProrationBehavior = "always_invoice" });
        await Stripe.V1.SubscriptionItems.UpdateAsync(item.Id, new SubscriptionItemUpdateOptions { Price = small.Base.Id, ProrationBehavior = "none" });
        var invoices = await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id });
        var pending = await Stripe.V1.InvoiceItems.ListAsync(new InvoiceItemListOptions { Customer = customer.Id, Pending = true });

        var update = invoices.Data.Single(i => i.BillingReason == "subscription_update");
        var remaining = 16m / 31m;
        Assert.Equal(Math.Round(6000 * remaining, MidpointRounding.AwayFromZero) - Math.Round(3000 * remaining, MidpointRounding.AwayFromZero), update.Total);
        Assert.Equal("paid", update.Status);
        Assert.Empty(pending.Data);
        Assert.Equal(2, invoices.Data.Count);
    }

    [Fact]
    public async Task Cancel_at_period_end_ends_the_subscription_when_the_period_closes()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }, new() { Price = catalog.Metered.Id }],
        });
        await AdvanceAsync(clock.Id, Jan16);
        await Catalog.SendUsageAsync(Stripe, customer.Id, "u1", 2000, Jan16);

        var pending = await Stripe.V1.Subscriptions.UpdateAsync(sub.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true });
        await AdvanceAsync(clock.Id, Catalog.Jan1.AddMonths(1).AddHours(1));
        var ended = await Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var final = (await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data[0];
        var deleted = await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.deleted" });

        Assert.True(pending.CancelAtPeriodEnd);
        Assert.Equal("active", pending.Status);
        Assert.Equal("canceled", ended.Status);
        Assert.Equal(Catalog.Jan1.AddMonths(1), ended.EndedAt);
        Assert.Equal((long)Math.Round(1000 * 0.4m, MidpointRounding.AwayFromZero), final.Total);
        Assert.Equal(sub.Id, ((Subscription)deleted.Data.Single().Data.Object).Id);
    }

    [Fact]
    public async Task Cancel_now_ends_the_subscription_at_once()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });

        var canceled = await Stripe.V1.Subscriptions.CancelAsync(sub.Id);
        var update = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Subscriptions.UpdateAsync(sub.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true }));

        Assert.Equal("canceled", canceled.Status);
        Assert.Equal(Catalog.Jan1, canceled.CanceledAt);
        Assert.Equal("invalid_request_error", update.StripeError.Type);
    }

    [Fact]
    public async Task A_failing_customer_leaves_the_invoice_open_and_the_subscription_past_due_until_paid()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });
        await _host.ControlAsync($"/_emulator/customers/{customer.Id}/fail_payments", new { fail = true });

        await AdvanceAsync(clock.Id, Catalog.Jan1.AddMonths(1).AddHours(1));
        var pastDue = await Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var open = (await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id, Status = "open" })).Data.Single();
        var failed = await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "invoice.payment_failed" });
        var declined = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Invoices.PayAsync(open.Id));
        await _host.ControlAsync($"/_emulator/customers/{customer.Id}/fail_payments", new { fail = false });
        var paid = await Stripe.V1.Invoices.PayAsync(open.Id);
        var recovered = await Stripe.V1.Subscriptions.GetAsync(sub.Id);

        Assert.Equal("past_due", pastDue.Status);
        Assert.Equal(1, open.AttemptCount);
        Assert.Equal(open.Id, ((Invoice)failed.Data.Single().Data.Object).Id);
        Assert.Equal("card_error", declined.StripeError.Type);
        Assert.Equal("paid", paid.Status);
        Assert.Equal(3000, paid.AmountPaid);
        Assert.Equal("active", recovered.Status);
    }

    [Fact]
    public async Task A_subscription_whose_first_payment_fails_is_incomplete()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        await _host.ControlAsync($"/_emulator/customers/{customer.Id}/fail_payments", new { fail = true });

        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });
        var invoice = await Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId);

        Assert.Equal("incomplete", sub.Status);
        Assert.Equal("open", invoice.Status);
        Assert.Equal(3000, invoice.AmountRemaining);
    }

    [Fact]
    public async Task A_future_billing_cycle_anchor_prorates_the_first_period_up_to_it()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3100);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);

        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }],
            BillingCycleAnchor = Jan16,
        });
        var first = (await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data.Single();

        // 15 days of the 31-day period that ends on the anchor (16 Dec to 16 Jan).
        Assert.Equal(Jan16, sub.BillingCycleAnchor);
        Assert.Equal(Catalog.Jan1, sub.Items.Data[0].CurrentPeriodStart);
        Assert.Equal(Jan16, sub.Items.Data[0].CurrentPeriodEnd);
        Assert.Equal((long)Math.Round(3100 * 15m / 31m, MidpointRounding.AwayFromZero), first.Total);
    }

    [Fact]
    public async Task Items_can_be_added_and_removed_through_subscription_items()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });

        var added = await Stripe.V1.SubscriptionItems.CreateAsync(new SubscriptionItemCreateOptions { Subscription = sub.Id, Price = catalog.Metered.Id });
        var listed = await Stripe.V1.SubscriptionItems.ListAsync(new SubscriptionItemListOptions { Subscription = sub.Id });
        await Stripe.V1.SubscriptionItems.DeleteAsync(added.Id);
        var after = await Stripe.V1.Subscriptions.GetAsync(sub.Id);

        Assert.Equal(2, listed.Data.Count);
        Assert.Equal(Catalog.Jan1.AddMonths(1), added.CurrentPeriodEnd);
        Assert.Equal([catalog.Base.Id], after.Items.Data.Select(i => i.Price.Id));
    }

    private Task AdvanceAsync(string clock, DateTime to) =>
        Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = to });
}
