using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// The customer portal: a session's page shows the card and the invoices; replacing the card of a past-due customer
/// pays the open invoice at once; cancelling at the period's end is offered; a declined card changes nothing.
/// </summary>
public sealed class PortalTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private StripeClient Stripe => _host.Stripe;

    [Fact]
    public async Task The_portal_shows_the_default_card_and_links_each_invoice_to_its_hosted_page()
    {
        var (_, sub) = await SubscribedAsync("pm_card_amex");

        var session = await Stripe.V1.BillingPortal.Sessions.CreateAsync(new Stripe.BillingPortal.SessionCreateOptions { Customer = sub.CustomerId, ReturnUrl = "http://dashboard.test/" });
        var html = await _host.Browser.GetStringAsync(session.Url);
        var invoice = await Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId);

        Assert.StartsWith("bps_", session.Id);
        Assert.Equal(("http://dashboard.test/", sub.CustomerId), (session.ReturnUrl, session.Customer));
        Assert.Contains("American Express ending in 0005, expires 12/2029", html);
        Assert.Contains($"href=\"{invoice.HostedInvoiceUrl}\"", html);
        Assert.Contains(invoice.Number, html);
        Assert.Contains("Cancel at the end of the period", html);
        Assert.Contains("Return to dashboard.test", html);
    }

    [Fact]
    public async Task Replacing_the_card_of_a_past_due_customer_pays_the_open_invoice_at_once()
    {
        var (clock, sub) = await SubscribedAsync("pm_card_visa");
        var failing = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeCustomerFail", new PaymentMethodAttachOptions { Customer = sub.CustomerId });
        await Stripe.V1.Customers.UpdateAsync(sub.CustomerId, new CustomerUpdateOptions { InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = failing.Id } });
        await Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Catalog.Jan1.AddMonths(1).AddDays(1) });
        var pastDue = await Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var session = await Stripe.V1.BillingPortal.Sessions.CreateAsync(new Stripe.BillingPortal.SessionCreateOptions { Customer = sub.CustomerId });
        var path = new Uri(session.Url).AbsolutePath;

        var (status, _, location) = await _host.SubmitAsync(path + "/payment_method", EmulatorHost.Card("4242 4242 4242 4242"));
        var page = await _host.Browser.GetStringAsync(location);
        var active = await Stripe.V1.Subscriptions.GetAsync(sub.Id);
        var renewal = await Stripe.V1.Invoices.GetAsync(active.LatestInvoiceId);
        var customer = await Stripe.V1.Customers.GetAsync(sub.CustomerId);

        Assert.Equal("past_due", pastDue.Status);
        Assert.Equal(303, status);
        Assert.Equal($"{path}?updated=1", location);
        Assert.Contains("Your payment method was updated.", page);
        Assert.Contains("Visa ending in 4242", page);
        Assert.Equal("active", active.Status);
        Assert.Equal(("paid", 2L), (renewal.Status, renewal.AttemptCount));
        Assert.NotEqual(failing.Id, customer.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Equal("4242", (await Stripe.V1.PaymentMethods.GetAsync(customer.InvoiceSettings.DefaultPaymentMethodId)).Card.Last4);
    }

    [Fact]
    public async Task A_declined_card_in_the_portal_is_shown_and_changes_nothing()
    {
        var (_, sub) = await SubscribedAsync("pm_card_visa");
        var before = (await Stripe.V1.Customers.GetAsync(sub.CustomerId)).InvoiceSettings.DefaultPaymentMethodId;
        var session = await Stripe.V1.BillingPortal.Sessions.CreateAsync(new Stripe.BillingPortal.SessionCreateOptions { Customer = sub.CustomerId });

        var (status, html, _) = await _host.SubmitAsync(new Uri(session.Url).AbsolutePath + "/payment_method", EmulatorHost.Card("4000 0000 0000 0002"));

        Assert.Equal(402, status);
        Assert.Contains("Your card was declined.", html);
        Assert.Equal(before, (await Stripe.V1.Customers.GetAsync(sub.CustomerId)).InvoiceSettings.DefaultPaymentMethodId);
        Assert.Single((await Stripe.V1.Customers.PaymentMethods.ListAsync(sub.CustomerId)).Data);
    }

    [Fact]
    public async Task Cancelling_in_the_portal_ends_the_subscription_at_the_period_end()
    {
        var (_, sub) = await SubscribedAsync("pm_card_visa");
        var session = await Stripe.V1.BillingPortal.Sessions.CreateAsync(new Stripe.BillingPortal.SessionCreateOptions { Customer = sub.CustomerId });

        var (status, _, _) = await _host.SubmitAsync(new Uri(session.Url).AbsolutePath + "/cancel", ("subscription", sub.Id));
        var after = await Stripe.V1.Subscriptions.GetAsync(sub.Id);

        Assert.Equal(303, status);
        Assert.Equal(("active", true, Catalog.Jan1.AddMonths(1)), (after.Status, after.CancelAtPeriodEnd, after.CancelAt));
    }

    [Fact]
    public async Task A_portal_link_opens_only_with_its_secret()
    {
        var (_, sub) = await SubscribedAsync("pm_card_visa");
        var session = await Stripe.V1.BillingPortal.Sessions.CreateAsync(new Stripe.BillingPortal.SessionCreateOptions { Customer = sub.CustomerId });

        var byId = await _host.Browser.GetAsync($"/billing_portal/{session.Id}");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, byId.StatusCode);
        Assert.DoesNotContain(session.Id, session.Url);
    }

    private async Task<(string Clock, Subscription Sub)> SubscribedAsync(string card)
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, card);
        var sub = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });
        return (clock.Id, sub);
    }
}
