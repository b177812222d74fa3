using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// The month close end to end: catalog, a customer on a test clock, a subscription with a metered item, usage with a
/// duplicate identifier, the clock advanced a month, the invoice finalized and paid, and the webhooks that tell of it.
/// </summary>
public sealed class BillingScenarioTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _host = await EmulatorHost.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task A_month_closes_into_a_paid_invoice_priced_through_the_tiers_and_announced_by_signed_webhooks()
    {
        var stripe = _host.Stripe;
        var endpoint = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = _receiver.Url, EnabledEvents = ["*"] });
        var catalog = await Catalog.CreateAsync(stripe, baseCents: 4900);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(stripe, Catalog.Jan1);
        var subscription = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new SubscriptionItemOptions { Price = catalog.Base.Id }, new SubscriptionItemOptions { Price = catalog.Metered.Id }],
        });

        await stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Catalog.Jan1.AddDays(20) });
        await Catalog.SendUsageAsync(stripe, customer.Id, "u-1", 1000, Catalog.Jan1.AddDays(2));
        await Catalog.SendUsageAsync(stripe, customer.Id, "u-2", 5000, Catalog.Jan1.AddDays(5));
        await Catalog.SendUsageAsync(stripe, customer.Id, "u-2", 5000, Catalog.Jan1.AddDays(5));
        await Catalog.SendUsageAsync(stripe, customer.Id, "u-3", 6345, Catalog.Jan1.AddDays(19));
        var preview = await stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Customer = customer.Id, Subscription = subscription.Id });
        await stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Catalog.Jan1.AddMonths(1).AddHours(1) });

        // Tiers: 0-1000 free, 1001-10000 at 0.4 cents, above at 0.15 cents; 12,345 calls once u-2 counts once.
        const decimal Usage = 1000 + 5000 + 6345;
        var exact = 1000 * 0m + (10000 - 1000) * 0.4m + (Usage - 10000) * 0.15m;
        var usageCents = (long)Math.Round(exact, MidpointRounding.AwayFromZero);
        var invoices = await stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = subscription.Id });
        var cycle = invoices.Data.Single(i => i.BillingReason == "subscription_cycle");
        var first = invoices.Data.Single(i => i.BillingReason == "subscription_create");
        var usageLine = cycle.Lines.Data.Single(l => l.Pricing.PriceDetails.PriceId == catalog.Metered.Id);
        var baseLine = cycle.Lines.Data.Single(l => l.Pricing.PriceDetails.PriceId == catalog.Base.Id);
        var renewed = await stripe.V1.Subscriptions.GetAsync(subscription.Id);

        Assert.Equal(3952, usageCents);
        Assert.Equal(4900, first.Total);
        Assert.Equal("paid", first.Status);
        Assert.Equal(usageCents, usageLine.Amount);
        Assert.Equal(12345, usageLine.Quantity);
        Assert.Equal(Catalog.Jan1, usageLine.Period.Start);
        Assert.Equal(Catalog.Jan1.AddMonths(1), usageLine.Period.End);
        Assert.Equal(4900, baseLine.Amount);
        Assert.Equal(Catalog.Jan1.AddMonths(1), baseLine.Period.Start);
        Assert.Equal(usageCents + 4900, cycle.Total);
        Assert.Equal("paid", cycle.Status);
        Assert.Equal(cycle.Total, cycle.AmountPaid);
        Assert.NotNull(cycle.Number);
        Assert.Equal(cycle.Total, preview.Total);
        Assert.Equal(Catalog.Jan1.AddMonths(1), renewed.Items.Data[0].CurrentPeriodStart);
        Assert.Equal(Catalog.Jan1.AddMonths(2), renewed.Items.Data[0].CurrentPeriodEnd);

        var delivered = await _receiver.WaitForAsync(d => d.Any(x => x.Body.Contains(cycle.Id) && x.Body.Contains("\"invoice.paid\"")));
        var events = delivered.Select(d => EventUtility.ConstructEvent(d.Body, d.Signature, endpoint.Secret, 300)).ToList();
        var all = await stripe.V1.Events.ListAsync(new EventListOptions { Limit = 100 });
        var createdOrder = all.Data.Select(e => e.Id).Reverse().ToList();

        Assert.Equal(createdOrder.Take(events.Count), events.Select(e => e.Id));
        Assert.Contains(events, e => e.Type == "customer.subscription.created");
        var upcoming = events.FindIndex(e => e.Type == "invoice.upcoming");
        Assert.True(upcoming >= 0 && upcoming < events.FindIndex(e => e.Type == "invoice.created" && ((Invoice)e.Data.Object).Id == cycle.Id));
        Assert.Equal(cycle.Total, ((Invoice)events[upcoming].Data.Object).Total);
        Assert.Contains(events, e => e.Type == "invoice.finalized" && ((Invoice)e.Data.Object).Id == cycle.Id);
        Assert.All(events, e => Assert.Equal(EmulatorHost.ApiVersion, e.ApiVersion));
        var paid = events.Last(e => e.Type == "invoice.paid");
        Assert.Equal(cycle.Total, ((Invoice)paid.Data.Object).AmountPaid);
    }

    [Fact]
    public async Task A_tampered_webhook_body_fails_verification()
    {
        var endpoint = await _host.Stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = _receiver.Url, EnabledEvents = ["customer.created"] });
        await _host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "a@example.com" });

        var delivery = (await _receiver.WaitForAsync(d => d.Count == 1)).Single();
        var genuine = EventUtility.ConstructEvent(delivery.Body, delivery.Signature, endpoint.Secret, 300);
        var tampered = delivery.Body.Replace("a@example.com", "b@example.com", StringComparison.Ordinal);

        Assert.Equal("customer.created", genuine.Type);
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(tampered, delivery.Signature, endpoint.Secret, 300));
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(delivery.Body, delivery.Signature, "whsec_wrong", 300));
    }
}
