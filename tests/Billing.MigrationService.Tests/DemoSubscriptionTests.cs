using Billing.Infrastructure.Security;
using Billing.StripeEmulator;
using Billing.Testing;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Billing.MigrationService.Tests;

/// <summary>
/// In Development the migration service gives the demo tenant a Stripe subscription; the emulator pays nothing without a
/// card, so the demo tenant's customer gets Stripe's test Visa first, and its first invoice is paid.
/// </summary>
public sealed class DemoSubscriptionTests(DataStoresFixture stores)
{
    private const string SecretKey = "sk_test_demo_subscription";

    [Fact]
    public async Task The_demo_tenant_pays_its_first_invoice_with_the_test_visa_and_a_second_run_adds_nothing()
    {
        var database = await stores.CreateMigratedDatabaseAsync();
        var emulatorUrl = $"http://127.0.0.1:{LocalServerProcess.FreePort()}";
        await using var emulator = EmulatorApp.Build(["--urls", emulatorUrl, "--Emulator:ApiKey", SecretKey]);
        await emulator.StartAsync(TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__billingdb-owner"] = database.Owner,
            ["Stripe__SecretKey"] = SecretKey,
            ["Stripe__ApiBase"] = emulatorUrl,
            ["Seed__DemoApiKey"] = ApiKeySecrets.KeyPrefix + "demo_0123456789abcdefghijklmnopqrstuv",
        };

        var first = await MigrationServiceProcess.RunAsync(environment);
        var second = await MigrationServiceProcess.RunAsync(environment);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        await using var db = DataStoresFixture.CreateDbContext(database.Superuser);
        var tenant = await db.Tenants.SingleAsync(t => t.Id == DemoTenantSeeder.DemoTenantId, TestContext.Current.CancellationToken);
        var local = await db.Subscriptions.SingleAsync(s => s.TenantId == tenant.Id, TestContext.Current.CancellationToken);
        var stripe = new StripeClient(new StripeClientOptions { ApiKey = SecretKey, ApiBase = emulatorUrl });
        var customer = await stripe.V1.Customers.GetAsync(tenant.StripeCustomerId, new CustomerGetOptions { Expand = ["invoice_settings.default_payment_method"] },
            cancellationToken: TestContext.Current.CancellationToken);
        var subscription = (await stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = customer.Id, Status = "all" },
            cancellationToken: TestContext.Current.CancellationToken)).Data.Single();
        var invoice = await stripe.V1.Invoices.GetAsync(subscription.LatestInvoiceId, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(("visa", "4242"), (customer.InvoiceSettings.DefaultPaymentMethod.Card.Brand, customer.InvoiceSettings.DefaultPaymentMethod.Card.Last4));
        Assert.Single((await stripe.V1.Customers.PaymentMethods.ListAsync(customer.Id, cancellationToken: TestContext.Current.CancellationToken)).Data);
        Assert.Equal(("active", subscription.Id), (subscription.Status, local.StripeSubscriptionId));
        Assert.Equal(("paid", 9_900L), (invoice.Status, invoice.AmountPaid));
    }
}
