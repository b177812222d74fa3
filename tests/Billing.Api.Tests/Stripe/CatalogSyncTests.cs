using Billing.Domain.Catalog;
using Billing.Infrastructure.Stripe;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Stripe;
using Plan = Billing.Domain.Catalog.Plan;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Api.Tests.Stripe;

public sealed class CatalogSyncTests(StripeSystem system) : IClassFixture<StripeSystem>
{
    private async Task<List<Price>> ActivePricesAsync()
    {
        var prices = new List<Price>();
        await foreach (var price in system.Stripe.V1.Prices.ListAutoPagingAsync(new PriceListOptions { Limit = 100, Active = true }))
        {
            prices.Add(price);
        }

        return prices;
    }

    [Fact]
    public async Task A_second_run_creates_nothing()
    {
        var before = await ActivePricesAsync();

        var second = await system.SyncCatalogAsync();

        Assert.Equal((0, 0, 0), (second.ProductsCreated, second.MetersCreated, second.PricesCreated));
        Assert.Equal(3 * 5 + 2, second.Unchanged);
        Assert.Equal(before.Select(p => p.Id).Order(), (await ActivePricesAsync()).Select(p => p.Id).Order());
        await using var db = system.CreateDbContext();
        Assert.Equal(3 * 5 + 2 + 5, await db.StripeCatalog.CountAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_first_run_made_graduated_metered_prices_with_the_included_quantity_free()
    {
        await using var db = system.CreateDbContext();
        var priceId = (await db.StripeCatalog.SingleAsync(e => e.LookupKey == "billing_standard_llm_tokens", TestContext.Current.CancellationToken)).StripeId;

        var price = await system.Stripe.V1.Prices.GetAsync(priceId, new PriceGetOptions { Expand = ["tiers"] }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("metered", price.Recurring.UsageType);
        Assert.Equal("graduated", price.TiersMode);
        Assert.Equal(10_000_000, price.Tiers[0].UpTo);
        Assert.Equal(0m, price.Tiers[0].UnitAmountDecimal ?? 0m);
        Assert.Equal(0.0002m, price.Tiers[1].UnitAmountDecimal);
    }

    [Fact]
    public async Task A_changed_price_creates_a_new_stripe_price_and_moves_the_lookup_key()
    {
        await using var scope = system.Api.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var catalog = services.GetRequiredService<BillingCatalog>();
        var standard = catalog.Plan(PlanTier.Standard);
        var changed = catalog with
        {
            Plans = catalog.Plans.ToDictionary().SetItem(PlanTier.Standard, standard with { BasePriceCents = 12900 }),
        };
        await using var db = system.CreateDbContext();
        var oldId = (await db.StripeCatalog.AsNoTracking().SingleAsync(e => e.LookupKey == "billing_standard_base", TestContext.Current.CancellationToken)).StripeId;

        // As the migration service runs it: on the owner's login.
        await using var owner = Billing.Testing.DataStoresFixture.CreateDbContext(system.Database.Owner);
        var result = await new CatalogSync(system.Stripe, changed, owner, TimeProvider.System,
            NullLogger<CatalogSync>.Instance).RunAsync(TestContext.Current.CancellationToken);

        var found = await system.Stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = ["billing_standard_base"] }, cancellationToken: TestContext.Current.CancellationToken);
        var newId = (await db.StripeCatalog.AsNoTracking().SingleAsync(e => e.LookupKey == "billing_standard_base", TestContext.Current.CancellationToken)).StripeId;
        Assert.Equal(1, result.PricesCreated);
        Assert.NotEqual(oldId, newId);
        Assert.Equal(12900, Assert.Single(found.Data).UnitAmount);
        Assert.Equal(newId, found.Data[0].Id);

        // Put the catalog back for the other tests of this class.
        await new CatalogSync(system.Stripe, catalog, owner, TimeProvider.System,
            NullLogger<CatalogSync>.Instance).RunAsync(TestContext.Current.CancellationToken);
    }
}

internal static class DictionaryExtensions
{
    public static Dictionary<TKey, TValue> SetItem<TKey, TValue>(this Dictionary<TKey, TValue> dictionary, TKey key, TValue value)
        where TKey : notnull
    {
        dictionary[key] = value;
        return dictionary;
    }
}
