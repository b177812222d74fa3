using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>Stripe's test tokens attach as new card payment methods; the defaults of customers and subscriptions decide what is charged.</summary>
public sealed class PaymentMethodTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private StripeClient Stripe => _host.Stripe;

    [Theory]
    [InlineData("pm_card_visa", "visa", "4242")]
    [InlineData("pm_card_mastercard", "mastercard", "4444")]
    [InlineData("pm_card_amex", "amex", "0005")]
    [InlineData("pm_card_chargeCustomerFail", "visa", "0341")]
    public async Task A_test_token_attaches_as_a_new_payment_method_of_its_card(string token, string brand, string last4)
    {
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Card holder" });

        var attached = await Stripe.V1.PaymentMethods.AttachAsync(token, new PaymentMethodAttachOptions { Customer = customer.Id });
        var read = await Stripe.V1.PaymentMethods.GetAsync(attached.Id);
        var listed = await Stripe.V1.Customers.PaymentMethods.ListAsync(customer.Id);
        var events = await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_method.attached" });

        Assert.StartsWith("pm_", attached.Id);
        Assert.NotEqual(token, attached.Id);
        Assert.Equal((brand, last4, customer.Id, "card"), (read.Card.Brand, read.Card.Last4, read.CustomerId, read.Type));
        Assert.True(read.Card.ExpYear > DateTime.UtcNow.Year);
        Assert.Equal([attached.Id], listed.Data.Select(m => m.Id));
        Assert.Equal(attached.Id, ((PaymentMethod)events.Data.Single().Data.Object).Id);
    }

    [Fact]
    public async Task A_declined_token_fails_to_attach_with_a_card_error_and_attaches_nothing()
    {
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());

        var error = await Assert.ThrowsAsync<StripeException>(() =>
            Stripe.V1.PaymentMethods.AttachAsync("pm_card_chargeDeclined", new PaymentMethodAttachOptions { Customer = customer.Id }));
        var listed = await Stripe.V1.Customers.PaymentMethods.ListAsync(customer.Id);

        Assert.Equal(System.Net.HttpStatusCode.PaymentRequired, error.HttpStatusCode);
        Assert.Equal(("card_error", "card_declined", "generic_decline"), (error.StripeError.Type, error.StripeError.Code, error.StripeError.DeclineCode));
        Assert.Empty(listed.Data);
        Assert.Empty((await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_method.attached" })).Data);
    }

    [Fact]
    public async Task Detaching_the_default_clears_it_from_the_customer_and_announces_both()
    {
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var method = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });
        var withDefault = await Stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = method.Id },
        });

        var detached = await Stripe.V1.PaymentMethods.DetachAsync(method.Id);
        var after = await Stripe.V1.Customers.GetAsync(customer.Id);
        var events = await Stripe.V1.Events.ListAsync(new EventListOptions { Types = ["payment_method.detached", "customer.updated"] });

        Assert.Equal(method.Id, withDefault.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Null(detached.CustomerId);
        Assert.Null(after.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Equal(["payment_method.detached", "customer.updated", "customer.updated"], events.Data.Select(e => e.Type));
        Assert.Empty((await Stripe.V1.Customers.PaymentMethods.ListAsync(customer.Id)).Data);
    }

    [Fact]
    public async Task A_default_must_be_a_payment_method_of_that_customer()
    {
        var owner = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var other = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        var method = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = owner.Id });

        var error = await Assert.ThrowsAsync<StripeException>(() => Stripe.V1.Customers.UpdateAsync(other.Id, new CustomerUpdateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = method.Id },
        }));
        var reattach = await Assert.ThrowsAsync<StripeException>(() =>
            Stripe.V1.PaymentMethods.AttachAsync(method.Id, new PaymentMethodAttachOptions { Customer = other.Id }));

        Assert.Equal(("invalid_request_error", "invoice_settings[default_payment_method]"), (error.StripeError.Type, error.StripeError.Param));
        Assert.Equal("payment_method_unexpected_state", reattach.StripeError.Code);
        Assert.Null((await Stripe.V1.Customers.GetAsync(other.Id)).InvoiceSettings.DefaultPaymentMethodId);
    }

    [Fact]
    public async Task The_subscription_default_is_charged_before_the_customer_default()
    {
        var catalog = await Catalog.CreateAsync(Stripe, 3000);
        var (_, customer) = await Catalog.CustomerOnClockAsync(Stripe, Catalog.Jan1, "pm_card_chargeCustomerFail");
        var good = await Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });

        var withOwnCard = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }],
            DefaultPaymentMethod = good.Id,
        });
        var withCustomerCard = await Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });

        Assert.Equal(("active", good.Id), (withOwnCard.Status, withOwnCard.DefaultPaymentMethodId));
        Assert.Equal("incomplete", withCustomerCard.Status);
        Assert.Equal("paid", (await Stripe.V1.Invoices.GetAsync(withOwnCard.LatestInvoiceId)).Status);
    }
}
