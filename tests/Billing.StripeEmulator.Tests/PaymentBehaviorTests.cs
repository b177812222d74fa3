using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// <c>payment_behavior</c> on creates and updates, for a customer whose card pays, whose card is declined, and who has none;
/// and <c>collection_method=send_invoice</c>, whose invoices wait open for the customer until their due date.
/// </summary>
public sealed class PaymentBehaviorTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private StripeClient Stripe => _host.Stripe;

    [Theory]
    [InlineData("pm_card_visa", "allow_incomplete", "active", "paid", 1)]
    [InlineData("pm_card_visa", "default_incomplete", "incomplete", "open", 0)]
    [InlineData("pm_card_visa", "error_if_incomplete", "active", "paid", 1)]
    [InlineData("pm_card_chargeCustomerFail", "allow_incomplete", "incomplete", "open", 1)]
    [InlineData("pm_card_chargeCustomerFail", "default_incomplete", "incomplete", "open", 0)]
    [InlineData(null, "allow_incomplete", "incomplete", "open", 1)]
    [InlineData(null, "default_incomplete", "incomplete", "open", 0)]
    public async Task Creating_a_subscription_pays_its_first_invoice_or_leaves_it_incomplete(
        string? card, string behavior, string status, string invoiceStatus, long attempts)
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, card);

        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }, new() { Price = catalog.Metered.Id }],
            PaymentBehavior = behavior,
        });
        var invoice = await Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId);
        var created = (Subscription)(await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.created" })).Data.Single().Data.Object;

        Assert.Equal((status, invoiceStatus, attempts), (sub.Status, invoice.Status, invoice.AttemptCount));
        Assert.Equal(status, created.Status);
        Assert.Equal(invoiceStatus == "paid" ? 0 : 3000, invoice.AmountRemaining);
        Assert.Null(invoice.NextPaymentAttempt);
    }

    [Theory]
    [InlineData("pm_card_chargeCustomerFail", 402, "card_error", "card_declined")]
    [InlineData(null, 400, "invalid_request_error", null)]
    public async Task Error_if_incomplete_refuses_a_subscription_that_could_not_be_paid_and_creates_nothing(
        string? card, int status, string type, string? code)
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, card);

        var error = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }],
            PaymentBehavior = "error_if_incomplete",
        }));

        Assert.Equal((status, type, code), ((int)error.HttpStatusCode, error.StripeError.Type, error.StripeError.Code));
        Assert.Empty((await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id, Status = "all" })).Data);
        Assert.Empty((await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = customer.Id })).Data);
        Assert.Empty((await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.created" })).Data);
    }

    [Fact]
    public async Task A_subscription_whose_first_invoice_needs_no_payment_is_active_without_a_card()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, paymentMethod: null);

        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Metered.Id }],
            PaymentBehavior = "error_if_incomplete",
        });

        Assert.Equal("active", sub.Status);
        Assert.Equal("paid", (await Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId)).Status);
    }

    [Theory]
    [InlineData("allow_incomplete", "past_due", 1)]
    [InlineData("default_incomplete", "past_due", 0)]
    public async Task An_always_invoice_update_that_cannot_be_paid_leaves_the_subscription_past_due(string behavior, string status, long attempts)
    {
        var (sub, small, large) = await SubscriptionWithFailingCardAsync();

        var updated = await Stripe.V1.Subscriptions.UpdateAsync(sub.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = sub.Items.Data[0].Id, Price = large.Base.Id }],
            ProrationBehavior = "always_invoice",
            PaymentBehavior = behavior,
        });
        var invoice = await Stripe.V1.Invoices.GetAsync(updated.LatestInvoiceId);

        Assert.Equal(status, updated.Status);
        Assert.Equal(large.Base.Id, updated.Items.Data[0].Price.Id);
        Assert.Equal(("subscription_update", "open", attempts), (invoice.BillingReason, invoice.Status, invoice.AttemptCount));
        Assert.NotEqual(small.Base.Id, updated.Items.Data[0].Price.Id);
    }

    [Fact]
    public async Task An_error_if_incomplete_update_that_cannot_be_paid_is_refused_and_changes_nothing()
    {
        var (sub, small, large) = await SubscriptionWithFailingCardAsync();

        var error = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Subscriptions.UpdateAsync(sub.Id, new SubscriptionUpdateOptions
        {
            Items = [new SubscriptionItemOptions { Id = sub.Items.Data[0].Id, Price = large.Base.Id }],
            ProrationBehavior = "always_invoice",
            PaymentBehavior = "error_if_incomplete",
        }));
        var after = await Stripe.V1.Subscriptions.GetAsync(sub.Id);

        Assert.Equal(("card_error", "card_declined"), (error.StripeError.Type, error.StripeError.Code));
        Assert.Equal(("active", small.Base.Id), (after.Status, after.Items.Data[0].Price.Id));
        Assert.Single((await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data);
        Assert.Empty((await Stripe.V1.InvoiceItems.ListAsync(new InvoiceItemListOptions { Pending = true })).Data);
    }

    [Fact]
    public async Task Send_invoice_leaves_invoices_open_until_due_then_past_due_until_paid_from_the_hosted_page()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, paymentMethod: null);

        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }],
            CollectionMethod = "send_invoice",
            DaysUntilDue = 14,
        });
        var sent = await Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId);
        await Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Catalog.Jan1.AddDays(15) });
        var overdue = await Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var page = await _host.Browser.GetStringAsync(sent.HostedInvoiceUrl);
        var paid = await _host.SubmitAsync(new Uri(sent.HostedInvoiceUrl).AbsolutePath + "/pay", EmulatorHost.Card("4242 4242 4242 4242"));
        var after = await Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var types = (await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 100 })).Data.Select(e => e.Type).Reverse().ToList();

        Assert.Equal(("active", "send_invoice", 14L), (sub.Status, sub.CollectionMethod, sub.DaysUntilDue));
        Assert.Equal(("open", "send_invoice", 0L), (sent.Status, sent.CollectionMethod, sent.AttemptCount));
        Assert.Equal(Catalog.Jan1.AddDays(14), sent.DueDate);
        Assert.Equal("past_due", overdue.Status);
        Assert.Contains("Pay invoice", page);
        Assert.Equal(303, paid.Status);
        Assert.Equal("active", after.Status);
        Assert.Equal("paid", (await Stripe.V1.Invoices.GetAsync(sent.Id)).Status);
        Assert.True(types.IndexOf("invoice.sent") < types.IndexOf("invoice.overdue") && types.IndexOf("invoice.overdue") < types.IndexOf("invoice.paid"));
    }

    [Fact]
    public async Task Send_invoice_needs_days_until_due()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, paymentMethod: null);

        var error = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }],
            CollectionMethod = "send_invoice",
        }));

        Assert.Equal(("parameter_missing", "days_until_due"), (error.StripeError.Code, error.StripeError.Param));
    }

    /// <summary>An active subscription on the small plan whose customer's card has since started to decline.</summary>
    private async Task<(Subscription Sub, Catalog Small, Catalog Large)> SubscriptionWithFailingCardAsync()
    {
        var small = await Catalog.CreateAsync(Stripe, 3000, "calls_small");
        var large = await Catalog.CreateAsync(Stripe, 6000, "calls_large");
        var (clock, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = small.Base.Id }] });
        var failing = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeCustomerFail", new PaymentMethodAttachOptions { Customer = customer.Id });
        await Stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = failing.Id } });
        await Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Catalog.Jan1.AddDays(15) });
        return (sub, small, large);
    }
}
