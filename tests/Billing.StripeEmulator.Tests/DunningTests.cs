using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// Failed payments on a test clock: a first invoice left unpaid expires the subscription after 23 hours; a failed
/// renewal makes it past due and is retried 3, 5 and 7 days after the first failure, then the subscription is unpaid
/// (or canceled, as configured); paying meanwhile makes it active again. Every step is a signed event, in order.
/// </summary>
public sealed class DunningTests
{
    private static readonly DateTime Feb1 = Catalog.Jan1.AddMonths(1);

    [Fact]
    public async Task A_first_invoice_left_unpaid_expires_the_subscription_after_23_hours_and_voids_the_invoice()
    {
        await using var host = await EmulatorHost.StartAsync();
        var catalog = await Catalog.CreateAsync(host.Stripe, 3000);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(host.Stripe, Catalog.Jan1, "pm_card_chargeCustomerFail");
        var sub = await host.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });

        await AdvanceAsync(host, clock.Id, Catalog.Jan1.AddHours(22).AddMinutes(59));
        var stillIncomplete = await host.Stripe.V1.Subscriptions.GetAsync(sub.Id);
        await AdvanceAsync(host, clock.Id, Catalog.Jan1.AddHours(24));
        var expired = await host.Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var invoice = await host.Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId);
        var update = (await host.Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.updated" })).Data.Single();
        await AdvanceAsync(host, clock.Id, Feb1.AddDays(1));

        Assert.Equal("incomplete", stillIncomplete.Status);
        Assert.Equal(("incomplete_expired", Catalog.Jan1.AddHours(23)), (expired.Status, expired.EndedAt));
        Assert.Equal("void", invoice.Status);
        Assert.Equal(("incomplete_expired", Catalog.Jan1.AddHours(23)), (((Subscription)update.Data.Object).Status, update.Created));
        Assert.Single((await host.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data);
    }

    [Fact]
    public async Task Paying_the_first_invoice_within_23_hours_makes_the_subscription_active()
    {
        await using var host = await EmulatorHost.StartAsync();
        var catalog = await Catalog.CreateAsync(host.Stripe, 3000);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(host.Stripe, Catalog.Jan1, paymentMethod: null);
        var sub = await host.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });

        var noCard = await Assert.ThrowsAsync<StripeException>(() => host.Stripe.V1.Invoices.PayAsync(sub.LatestInvoiceId));
        var card = await host.Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });
        var paid = await host.Stripe.V1.Invoices.PayAsync(sub.LatestInvoiceId, new InvoicePayOptions { PaymentMethod = card.Id });
        await AdvanceAsync(host, clock.Id, Catalog.Jan1.AddDays(2));

        Assert.Equal("invalid_request_error", noCard.StripeError.Type);
        Assert.Equal("paid", paid.Status);
        Assert.Equal("active", (await host.Stripe.V1.Subscriptions.GetAsync(sub.Id)).Status);
    }

    [Fact]
    public async Task A_failed_renewal_is_retried_on_schedule_and_then_leaves_the_subscription_unpaid()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await EmulatorHost.StartAsync();
        var endpoint = await host.Stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = receiver.Url, EnabledEvents = ["*"] });
        var (clock, sub) = await RenewalThatWillFailAsync(host);

        await AdvanceAsync(host, clock, Feb1.AddHours(1));
        var pastDue = await host.Stripe.V1.Subscriptions.GetAsync(sub.Id);
        await AdvanceAsync(host, clock, Feb1.AddDays(8));
        var unpaid = await host.Stripe.V1.Subscriptions.GetAsync(sub.Id);
        await AdvanceAsync(host, clock, Feb1.AddMonths(1).AddHours(1));
        var invoices = (await host.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id })).Data;

        var failures = await SignedAsync(receiver, endpoint.Secret, 4, "invoice.payment_failed");
        Assert.Equal("past_due", pastDue.Status);
        Assert.Equal("unpaid", unpaid.Status);
        Assert.Equal([1L, 2, 3, 4], failures.Select(e => ((Invoice)e.Data.Object).AttemptCount));
        Assert.Equal([Feb1, Feb1.AddDays(3), Feb1.AddDays(5), Feb1.AddDays(7)], failures.Select(e => e.Created));
        Assert.Equal<DateTime?>([Feb1.AddDays(3), Feb1.AddDays(5), Feb1.AddDays(7), null], failures.Select(e => ((Invoice)e.Data.Object).NextPaymentAttempt));
        await SignedAsync(receiver, endpoint.Secret, 4, "customer.subscription.updated");
        var statusChanges = receiver.Received.Select(d => System.Text.Json.Nodes.JsonNode.Parse(d.Body)!)
            .Where(e => e["type"]!.GetValue<string>() == "customer.subscription.updated" && e["data"]!["previous_attributes"]?["status"] is not null)
            .Select(e => (e["data"]!["object"]!["status"]!.GetValue<string>(), DateTimeOffset.FromUnixTimeSeconds(e["created"]!.GetValue<long>()).UtcDateTime)).ToList();
        Assert.Equal([("past_due", Feb1), ("unpaid", Feb1.AddDays(7))], statusChanges);
        // Unpaid subscriptions renew, and their invoices are finalized but no longer charged.
        var renewal = invoices.First();
        Assert.Equal(("open", 0L, Feb1.AddMonths(1)), (renewal.Status, renewal.AttemptCount, renewal.PeriodEnd));
        Assert.Equal(3, invoices.Count);
    }

    [Fact]
    public async Task Paying_between_retries_makes_the_subscription_active_and_stops_the_retries()
    {
        await using var host = await EmulatorHost.StartAsync();
        var (clock, sub) = await RenewalThatWillFailAsync(host);
        await AdvanceAsync(host, clock, Feb1.AddDays(4));
        var renewal = (await host.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id, Status = "open" })).Data.Single();

        var card = await host.Stripe.V1.PaymentMethods.AttachAsync("pm_card_mastercard", new PaymentMethodAttachOptions { Customer = sub.CustomerId });
        await host.Stripe.V1.Customers.UpdateAsync(sub.CustomerId, new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = card.Id } });
        var paid = await host.Stripe.V1.Invoices.PayAsync(renewal.Id);
        await AdvanceAsync(host, clock, Feb1.AddDays(10));

        Assert.Equal((2L, Feb1.AddDays(5)), (renewal.AttemptCount, renewal.NextPaymentAttempt));
        Assert.Equal(("paid", 3L), (paid.Status, paid.AttemptCount));
        Assert.Null(paid.NextPaymentAttempt);
        Assert.Equal("active", (await host.Stripe.V1.Subscriptions.GetAsync(sub.Id)).Status);
        Assert.Equal(2, (await host.Stripe.V1.Events.ListAsync(new EventListOptions { Type = "invoice.payment_failed" })).Data.Count);
    }

    [Fact]
    public async Task With_cancel_after_the_final_retry_the_subscription_is_deleted_for_nonpayment()
    {
        await using var host = await EmulatorHost.StartAsync("Emulator:PaymentRetryDays=2,4", "Emulator:AfterFinalRetry=cancel");
        var (clock, sub) = await RenewalThatWillFailAsync(host);

        await AdvanceAsync(host, clock, Feb1.AddDays(3));
        var stillPastDue = await host.Stripe.V1.Subscriptions.GetAsync(sub.Id);
        await AdvanceAsync(host, clock, Feb1.AddDays(5));
        var canceled = await host.Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var deleted = (await host.Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.deleted" })).Data.Single();

        Assert.Equal("past_due", stillPastDue.Status);
        Assert.Equal(("canceled", Feb1.AddDays(4), "payment_failed"), (canceled.Status, canceled.EndedAt, canceled.CancellationDetails.Reason));
        Assert.Equal(Feb1.AddDays(4), deleted.Created);
        Assert.Equal(3, (await host.Stripe.V1.Events.ListAsync(new EventListOptions { Type = "invoice.payment_failed" })).Data.Count);
    }

    /// <summary>A paid January on a test clock, with the customer's card declining from the February renewal on.</summary>
    private static async Task<(string Clock, Subscription Sub)> RenewalThatWillFailAsync(EmulatorHost host)
    {
        var catalog = await Catalog.CreateAsync(host.Stripe, 3000);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(host.Stripe, Catalog.Jan1);
        var sub = await host.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });
        var failing = await host.Stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeCustomerFail", new PaymentMethodAttachOptions { Customer = customer.Id });
        await host.Stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = failing.Id } });
        Assert.Equal("active", sub.Status);
        return (clock.Id, sub);
    }

    /// <summary>The deliveries of <paramref name="type"/>, once <paramref name="count"/> arrived, verified with the endpoint's secret, in delivery order.</summary>
    private static async Task<List<Event>> SignedAsync(WebhookReceiver receiver, string secret, int count, string type)
    {
        var delivered = await receiver.WaitForAsync(d => d.Count(x => x.Body.Contains($"\"{type}\"", StringComparison.Ordinal)) >= count);
        return delivered.Select(d => EventUtility.ConstructEvent(d.Body, d.Signature, secret, 300)).Where(e => e.Type == type).ToList();
    }

    private static Task AdvanceAsync(EmulatorHost host, string clock, DateTime to) =>
        host.Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = to });
}
