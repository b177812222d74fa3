using System.Net;
using Billing.StripeEmulator.Tests.Support;
using Stripe;
using Stripe.Checkout;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// Checkout Sessions through Stripe.net, completed on the hosted page as a browser posts its form: 4242… subscribes and
/// redirects to the success URL, 4000…0002 and 4000…0341 are declined on the page and change nothing, and a session
/// expires when asked or after 24 hours.
/// </summary>
public sealed class CheckoutTests : IAsyncLifetime
{
    private const string SuccessUrl = "http://dashboard.test/?checkout=complete&session_id={CHECKOUT_SESSION_ID}";
    private const string CancelUrl = "http://dashboard.test/?checkout=cancelled";

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

    private StripeClient Stripe => _host.Stripe;

    [Fact]
    public async Task A_test_card_completes_the_session_subscribes_and_redirects_with_the_session_id()
    {
        var endpoint = await Stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = _receiver.Url, EnabledEvents = ["*"] });
        var (catalog, customer, session) = await SessionAsync();

        var page = await _host.Browser.GetStringAsync(session.Url);
        var (status, _, location) = await _host.SubmitAsync(new Uri(session.Url).AbsolutePath, EmulatorHost.Card("4242 4242 4242 4242"));
        var completed = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id);
        var sub = await Stripe.V1.Subscriptions.GetAsync(completed.SubscriptionId);
        var card = await Stripe.V1.PaymentMethods.GetAsync(sub.DefaultPaymentMethodId);
        var invoice = await Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId);

        Assert.Contains("Due today: 49.00 USD", page);
        Assert.Contains("<label for=\"card-number\">Card number</label>", page);
        Assert.Equal(303, status);
        Assert.Equal($"http://dashboard.test/?checkout=complete&session_id={session.Id}", location);
        Assert.Equal(("complete", "paid", customer.Id, "tenant-1"), (completed.Status, completed.PaymentStatus, completed.CustomerId, completed.ClientReferenceId));
        Assert.Equal(4900, completed.AmountTotal);
        Assert.Equal(("active", "tenant-1"), (sub.Status, sub.Metadata["tenant_id"]));
        Assert.Equal([catalog.Base.Id, catalog.Metered.Id], sub.Items.Data.Select(i => i.Price.Id));
        Assert.Equal(("visa", "4242", 12L, 2034L, customer.Id), (card.Card.Brand, card.Card.Last4, card.Card.ExpMonth, card.Card.ExpYear, card.CustomerId));
        Assert.Equal(card.Id, (await Stripe.V1.Customers.GetAsync(customer.Id)).InvoiceSettings.DefaultPaymentMethodId);
        Assert.Equal(("paid", 4900L), (invoice.Status, invoice.AmountPaid));

        var delivered = await _receiver.WaitForAsync(d => d.Any(x => x.Body.Contains("\"checkout.session.completed\"", StringComparison.Ordinal)));
        // The catalog's and the customer's events came first; the payment begins with the card.
        var events = delivered.Select(d => EventUtility.ConstructEvent(d.Body, d.Signature, endpoint.Secret, 300))
            .SkipWhile(e => e.Type != "payment_method.attached").ToList();
        Assert.Equal(
            ["payment_method.attached", "customer.updated", "customer.subscription.created", "invoice.created", "invoice.finalized", "invoice.paid",
             "invoice.payment_succeeded", "checkout.session.completed"],
            events.Select(e => e.Type));
        var done = (Session)events[^1].Data.Object;
        Assert.Equal((session.Id, sub.Id, "tenant-1"), (done.Id, done.SubscriptionId, done.ClientReferenceId));
    }

    [Theory]
    [InlineData("4000 0000 0000 0002")]
    [InlineData("4000 0000 0000 0341")]
    public async Task A_declined_card_is_shown_on_the_page_and_changes_nothing(string number)
    {
        var (_, customer, session) = await SessionAsync();

        var (status, html, location) = await _host.SubmitAsync(new Uri(session.Url).AbsolutePath, EmulatorHost.Card(number));
        var after = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id);

        Assert.Equal(402, status);
        Assert.Null(location);
        Assert.Contains("role=\"alert\">Your card was declined.</p>", html);
        Assert.Contains(number, html);
        Assert.Equal(("open", "unpaid"), (after.Status, after.PaymentStatus));
        Assert.Null(after.SubscriptionId);
        Assert.Empty((await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id, Status = "all" })).Data);
        Assert.Empty((await Stripe.V1.Customers.PaymentMethods.ListAsync(customer.Id)).Data);
    }

    [Theory]
    [InlineData("1234 5678 9012 3456", "12 / 34", "123", "Jenny", "test card number")]
    [InlineData("4242 4242 4242 4242", "13 / 34", "123", "Jenny", "MM / YY")]
    [InlineData("4242 4242 4242 4242", "01 / 20", "123", "Jenny", "in the past")]
    [InlineData("4242 4242 4242 4242", "12 / 34", "12", "Jenny", "3 digits")]
    [InlineData("4242 4242 4242 4242", "12 / 34", "123", "", "name on the card")]
    public async Task A_mistyped_card_is_explained_on_the_page(string number, string expiry, string cvc, string name, string explanation)
    {
        var (_, _, session) = await SessionAsync();

        var (status, html, _) = await _host.SubmitAsync(new Uri(session.Url).AbsolutePath, EmulatorHost.Card(number, expiry, cvc, name));

        Assert.Equal(400, status);
        Assert.Contains(explanation, html);
        Assert.Equal("open", (await Stripe.V1.Checkout.Sessions.GetAsync(session.Id)).Status);
    }

    [Fact]
    public async Task An_expired_session_cannot_be_paid_and_says_so()
    {
        var (_, customer, session) = await SessionAsync();

        var expired = await Stripe.V1.Checkout.Sessions.ExpireAsync(session.Id);
        var again = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Checkout.Sessions.ExpireAsync(session.Id));
        var (status, html, _) = await _host.SubmitAsync(new Uri(session.Url).AbsolutePath, EmulatorHost.Card("4242424242424242"));
        var events = await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "checkout.session.expired" });

        Assert.Equal("expired", expired.Status);
        Assert.Null(expired.Url);
        Assert.Equal("checkout_session_not_open", again.StripeError.Code);
        Assert.Equal(410, status);
        Assert.Contains("has expired", html);
        Assert.Contains(CancelUrl, html);
        Assert.Equal(session.Id, ((Session)events.Data.Single().Data.Object).Id);
        Assert.Empty((await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id, Status = "all" })).Data);
    }

    [Fact]
    public async Task A_session_expires_24_hours_after_it_was_created()
    {
        var (_, _, session) = await SessionAsync();
        var clock = (await Stripe.V1.TestHelpers.TestClocks.ListAsync()).Data.Single();

        await Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Catalog.Jan1.AddHours(23) });
        var open = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id);
        await Stripe.V1.TestHelpers.TestClocks.AdvanceAsync(clock.Id, new Stripe.TestHelpers.TestClockAdvanceOptions { FrozenTime = Catalog.Jan1.AddHours(25) });
        var expired = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id);
        var events = await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "checkout.session.expired" });

        Assert.Equal(Catalog.Jan1.AddDays(1), session.ExpiresAt);
        Assert.Equal("open", open.Status);
        Assert.Equal("expired", expired.Status);
        Assert.Equal(Catalog.Jan1.AddDays(1), events.Data.Single().Created);
    }

    [Fact]
    public async Task Setup_mode_attaches_the_card_without_charging()
    {
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, paymentMethod: null);
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions { Mode = "setup", Customer = customer.Id, SuccessUrl = SuccessUrl, Currency = "usd" });

        var (status, _, _) = await _host.SubmitAsync(new Uri(session.Url).AbsolutePath, EmulatorHost.Card("5555 5555 5555 4444"));
        var completed = await Stripe.V1.Checkout.Sessions.GetAsync(session.Id, new SessionGetOptions { Expand = ["setup_intent"] });

        Assert.Equal(303, status);
        Assert.Equal(("complete", "no_payment_required"), (completed.Status, completed.PaymentStatus));
        var card = await Stripe.V1.PaymentMethods.GetAsync(completed.SetupIntent.PaymentMethodId);
        Assert.Equal(("mastercard", customer.Id), (card.Card.Brand, card.CustomerId));
        Assert.Empty((await Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Customer = customer.Id })).Data);
    }

    [Fact]
    public async Task Line_items_follow_stripes_rules_for_metered_and_licensed_prices()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 4900);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, paymentMethod: null);

        var metered = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Checkout.Sessions.CreateAsync(Options(customer.Id,
            new SessionLineItemOptions { Price = catalog.Base.Id, Quantity = 1 }, new SessionLineItemOptions { Price = catalog.Metered.Id, Quantity = 1 })));
        var licensed = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Checkout.Sessions.CreateAsync(Options(customer.Id,
            new SessionLineItemOptions { Price = catalog.Base.Id })));
        var payment = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Checkout.Sessions.CreateAsync(new SessionCreateOptions
        {
            Mode = "payment",
            SuccessUrl = SuccessUrl,
        }));

        Assert.Equal("line_items[1][quantity]", metered.StripeError.Param);
        Assert.Equal(("parameter_missing", "line_items[0][quantity]"), (licensed.StripeError.Code, licensed.StripeError.Param));
        Assert.Equal("mode", payment.StripeError.Param);
        Assert.Empty((await Stripe.V1.Checkout.Sessions.ListAsync()).Data);
    }

    [Fact]
    public async Task An_unknown_session_page_is_not_found()
    {
        var response = await _host.Browser.GetAsync("/checkout/cs_test_nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<(Catalog Catalog, Customer Customer, Session Session)> SessionAsync()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 4900);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, paymentMethod: null);
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(Options(customer.Id,
            new SessionLineItemOptions { Price = catalog.Base.Id, Quantity = 1 }, new SessionLineItemOptions { Price = catalog.Metered.Id }));
        Assert.Equal(("open", "subscription", Catalog.Jan1.AddDays(1)), (session.Status, session.Mode, session.ExpiresAt));
        Assert.StartsWith($"{_host.BaseUrl}/checkout/cs_test_", session.Url);
        return (catalog, customer, session);
    }

    private static SessionCreateOptions Options(string customer, params SessionLineItemOptions[] lines) => new()
    {
        Mode = "subscription",
        Customer = customer,
        ClientReferenceId = "tenant-1",
        LineItems = [.. lines],
        SuccessUrl = SuccessUrl,
        CancelUrl = CancelUrl,
        SubscriptionData = new SessionSubscriptionDataOptions { Metadata = new Dictionary<string, string> { ["tenant_id"] = "tenant-1" } },
    };
}
