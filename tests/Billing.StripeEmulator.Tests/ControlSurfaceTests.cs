using System.Net;
using System.Text.Json.Nodes;
using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>The <c>/_emulator/</c> control surface: faults, reset, the global clock, and state kept in a data file.</summary>
public sealed class ControlSurfaceTests
{
    [Fact]
    public async Task An_injected_500_is_retried_by_the_client_with_the_same_idempotency_key()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync("/_emulator/faults", new { path = "/v1/customers", status = 500, count = 1 });

        var customer = await host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "r@example.com" });
        var all = await host.Stripe.V1.Customers.ListAsync();

        Assert.Equal(customer.Id, all.Data.Single().Id);
    }

    [Fact]
    public async Task An_injected_429_reaches_the_client_as_a_rate_limit_error()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync("/_emulator/faults", new { path = "/v1/products", status = 429, count = 1 });

        var error = await Assert.ThrowsAsync<StripeException>(() => host.Stripe.V1.Products.ListAsync());
        var after = await host.Stripe.V1.Products.ListAsync();

        Assert.Equal((HttpStatusCode)429, error.HttpStatusCode);
        Assert.Equal("rate_limit_error", error.StripeError.Type);
        Assert.Empty(after.Data);
    }

    [Fact]
    public async Task An_injected_delay_slows_the_answer()
    {
        await using var host = await EmulatorHost.StartAsync();
        await host.ControlAsync("/_emulator/faults", new { path = "/v1/products", status = 0, count = 1, delayMs = 400 });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await host.Stripe.V1.Products.ListAsync();

        Assert.True(watch.ElapsedMilliseconds >= 400, $"answered after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Reset_forgets_every_object()
    {
        await using var host = await EmulatorHost.StartAsync();
        var product = await host.Stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Gone" });

        await host.ControlAsync("/_emulator/reset", new { });

        var error = await Assert.ThrowsAsync<StripeException>(() => host.Stripe.V1.Products.GetAsync(product.Id));
        Assert.Equal("resource_missing", error.StripeError.Code);
    }

    [Fact]
    public async Task Moving_the_global_clock_closes_periods_of_customers_without_a_test_clock()
    {
        await using var host = await EmulatorHost.StartAsync();
        var catalog = await Catalog.CreateAsync(host.Stripe, 2500);
        var customer = await host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            PaymentMethod = "pm_card_visa",
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = "pm_card_visa" },
        });
        var sub = await host.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });

        var clock = await host.ControlAsync("/_emulator/clock", new { advanceSeconds = 32 * 24 * 3600 });
        var invoices = await host.Stripe.V1.Invoices.ListAsync(new InvoiceListOptions { Subscription = sub.Id });
        var read = (await host.Http.GetFromJsonAsync<JsonObject>("/_emulator/clock"))!;

        Assert.Equal(["subscription_cycle", "subscription_create"], invoices.Data.Select(i => i.BillingReason));
        Assert.True(clock["now"]!.GetValue<long>() >= DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 32 * 24 * 3600 - 5);
        Assert.Equal(clock["offsetSeconds"]!.GetValue<long>(), read["offsetSeconds"]!.GetValue<long>());
    }

    [Fact]
    public async Task State_survives_a_restart_with_a_data_file()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"emulator-{Guid.NewGuid():N}.json");
        try
        {
            string id;
            await using (var first = await EmulatorHost.StartAsync($"Emulator:DataFile={dataFile}"))
            {
                id = (await first.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Metadata = new Dictionary<string, string> { ["tenant"] = "t9" } })).Id;
            }

            await using var second = await EmulatorHost.StartAsync($"Emulator:DataFile={dataFile}");
            var customer = await second.Stripe.V1.Customers.GetAsync(id);

            Assert.Equal("t9", customer.Metadata["tenant"]);
            Assert.False(System.IO.File.Exists(dataFile + ".tmp"));
        }
        finally
        {
            System.IO.File.Delete(dataFile);
        }
    }
}
