using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>Products, prices (licensed, metered, graduated tiers, lookup keys) and customers through Stripe.net.</summary>
public sealed class CatalogTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_graduated_metered_price_keeps_its_tiers_and_meter()
    {
        var stripe = _host.Stripe;
        var meter = await stripe.V1.Billing.Meters.CreateAsync(new Stripe.Billing.MeterCreateOptions
        {
            DisplayName = "API calls",
            EventName = "api_calls",
            DefaultAggregation = new Stripe.Billing.MeterDefaultAggregationOptions { Formula = "sum" },
        });
        var product = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "API" });

        var price = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id,
            Currency = "usd",
            Recurring = new PriceRecurringOptions { Interval = "month", UsageType = "metered", Meter = meter.Id },
            BillingScheme = "tiered",
            TiersMode = "graduated",
            Tiers =
            [
                new PriceTierOptions { UpTo = 1000, UnitAmountDecimal = 0m },
                new PriceTierOptions { UpTo = PriceTierUpTo.Inf, UnitAmountDecimal = 0.25m },
            ],
            LookupKey = "standard_api_calls",
        });
        var fetched = await stripe.V1.Prices.GetAsync(price.Id);

        Assert.StartsWith("price_", price.Id);
        Assert.Equal("metered", fetched.Recurring.UsageType);
        Assert.Equal(meter.Id, fetched.Recurring.Meter);
        Assert.Equal("graduated", fetched.TiersMode);
        Assert.Equal(2, fetched.Tiers.Count);
        Assert.Equal(1000, fetched.Tiers[0].UpTo);
        Assert.Null(fetched.Tiers[1].UpTo);
        Assert.Equal(0.25m, fetched.Tiers[1].UnitAmountDecimal);
        Assert.Equal("standard_api_calls", fetched.LookupKey);
    }

    [Fact]
    public async Task Prices_are_found_again_by_lookup_keys()
    {
        var stripe = _host.Stripe;
        var product = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Plan" });
        var basic = await CreateLicensedAsync(product.Id, 1000, "basic_monthly");
        var pro = await CreateLicensedAsync(product.Id, 5000, "pro_monthly");
        await CreateLicensedAsync(product.Id, 9000, null);

        var found = await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["basic_monthly", "pro_monthly"] });

        Assert.Equal([pro.Id, basic.Id], found.Data.Select(p => p.Id));
        Assert.Equal(5000, found.Data[0].UnitAmount);
        Assert.Equal("5000", found.Data[0].UnitAmountDecimal.ToString());
    }

    [Fact]
    public async Task A_taken_lookup_key_is_refused_unless_transferred()
    {
        var stripe = _host.Stripe;
        var product = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Plan" });
        var old = await CreateLicensedAsync(product.Id, 1000, "plan_monthly");

        var refused = await Assert.ThrowsAsync<StripeException>(() => CreateLicensedAsync(product.Id, 1200, "plan_monthly"));
        var moved = await stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = product.Id,
            Currency = "usd",
            UnitAmount = 1200,
            Recurring = new PriceRecurringOptions { Interval = "month" },
            LookupKey = "plan_monthly",
            TransferLookupKey = true,
        });
        var found = await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["plan_monthly"] });

        Assert.Equal("lookup_key", refused.StripeError.Param);
        Assert.Equal(moved.Id, found.Data.Single().Id);
        Assert.Null((await stripe.V1.Prices.GetAsync(old.Id)).LookupKey);
    }

    [Fact]
    public async Task Customers_keep_and_merge_metadata()
    {
        var stripe = _host.Stripe;
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "t1@example.com",
            Name = "Tenant One",
            Metadata = new Dictionary<string, string> { ["tenant"] = "t1", ["plan"] = "free" },
        });

        var updated = await stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions
        {
            Metadata = new Dictionary<string, string> { ["plan"] = "standard", ["tenant"] = "" },
        });
        var fetched = await stripe.V1.Customers.GetAsync(customer.Id);

        Assert.StartsWith("cus_", customer.Id);
        Assert.Equal("t1", customer.Metadata["tenant"]);
        Assert.Equal(new Dictionary<string, string> { ["plan"] = "standard" }, updated.Metadata);
        Assert.Equal("Tenant One", fetched.Name);
    }

    [Fact]
    public async Task Products_can_be_updated_and_filtered_by_active()
    {
        var stripe = _host.Stripe;
        var kept = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Kept" });
        var retired = await stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Retired" });

        await stripe.V1.Products.UpdateAsync(retired.Id, new ProductUpdateOptions { Active = false, Name = "Retired plan" });
        var active = await stripe.V1.Products.ListAsync(new ProductListOptions { Active = true });
        var inactive = await stripe.V1.Products.ListAsync(new ProductListOptions { Active = false });

        Assert.Equal([kept.Id], active.Data.Select(p => p.Id));
        Assert.Equal("Retired plan", inactive.Data.Single().Name);
    }

    private Task<Price> CreateLicensedAsync(string product, long amount, string? lookupKey) =>
        _host.Stripe.V1.Prices.CreateAsync(new PriceCreateOptions
        {
            Product = product,
            Currency = "usd",
            UnitAmount = amount,
            Recurring = new PriceRecurringOptions { Interval = "month" },
            LookupKey = lookupKey,
        });
}
