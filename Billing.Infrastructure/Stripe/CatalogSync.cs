using System.Globalization;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Stripe;
using Stripe.Billing;
using PlanTier = Billing.Domain.Catalog.PlanTier;

namespace Billing.Infrastructure.Stripe;

/// <summary>
/// Makes Stripe hold the catalog: a product per plan, a licensed base price per paid plan, a meter per
/// metric, and a graduated metered price per (plan, metric) — included units at 0, then the overage
/// price. Everything is found again by lookup key (meters by event name), so a second run creates
/// nothing; a changed price creates a new Stripe price (prices are immutable) and moves the lookup key
/// to it. The resolved ids are stored in <c>stripe_catalog</c>.
/// </summary>
public sealed class CatalogSync(StripeClient stripe, BillingCatalog catalog, BillingDbContext db, TimeProvider clock, ILogger<CatalogSync> logger)
{
    public sealed record Result(int ProductsCreated, int MetersCreated, int PricesCreated, int Unchanged);

    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        var meters = await EnsureMetersAsync(cancellationToken);
        var wanted = WantedPrices(meters.Ids).ToList();
        var existing = await ExistingPricesAsync([.. wanted.Select(w => w.LookupKey)], cancellationToken);
        var products = new Dictionary<PlanTier, string>();
        int productsCreated = 0, pricesCreated = 0, unchanged = 0;
        foreach (var want in wanted)
        {
            if (existing.TryGetValue(want.LookupKey, out var price) && Matches(price, want))
            {
                products.TryAdd(want.Tier, price.ProductId);
                unchanged++;
                await RecordAsync(want, price.Id, price.ProductId, cancellationToken);
                continue;
            }

            if (!products.TryGetValue(want.Tier, out var productId))
            {
                (productId, var created) = await EnsureProductAsync(want.Tier, existing, cancellationToken);
                products[want.Tier] = productId;
                productsCreated += created ? 1 : 0;
            }

            var createdPrice = await stripe.V1.Prices.CreateAsync(Options(want, productId), cancellationToken: cancellationToken);
            pricesCreated++;
            logger.LogInformation("Created Stripe price {PriceId} for {LookupKey}", createdPrice.Id, want.LookupKey);
            await RecordAsync(want, createdPrice.Id, productId, cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        return new Result(productsCreated, meters.Created, pricesCreated, unchanged);
    }

    private sealed record WantedPrice(string LookupKey, PlanTier Tier, Metric? Metric, long? UnitAmount, string? MeterId, IReadOnlyList<(long? UpTo, decimal UnitAmountDecimal)> Tiers);

    private IEnumerable<WantedPrice> WantedPrices(IReadOnlyDictionary<Metric, string> meters)
    {
        foreach (var plan in PlanTiers.All.Select(catalog.Plan))
        {
            if (plan.BasePriceCents > 0)
            {
                yield return new WantedPrice(CatalogLookupKeys.BasePrice(plan.Tier), plan.Tier, null, plan.BasePriceCents, null, []);
            }

            foreach (var metric in MetricKeys.All)
            {
                var quota = plan.Quota(metric);
                // Included units cost nothing; beyond them the overage price. A quota without an overage price bills nothing.
                IReadOnlyList<(long?, decimal)> tiers = quota.Overage is { } overage && quota.Included > 0
                    ? [(quota.Included, 0m), (null, overage.UnitPriceCents)]
                    : [(null, quota.Overage?.UnitPriceCents ?? 0m)];
                yield return new WantedPrice(CatalogLookupKeys.MeteredPrice(plan.Tier, metric), plan.Tier, metric, null, meters[metric], tiers);
            }
        }
    }

    private async Task<(Dictionary<Metric, string> Ids, int Created)> EnsureMetersAsync(CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, Meter>();
        await foreach (var meter in stripe.V1.Billing.Meters.ListAutoPagingAsync(new MeterListOptions { Limit = 100, Status = "active" }, cancellationToken: cancellationToken))
        {
            found.TryAdd(meter.EventName, meter);
        }

        var ids = new Dictionary<Metric, string>();
        var created = 0;
        foreach (var definition in Metrics.All)
        {
            if (!found.TryGetValue(definition.Key, out var meter))
            {
                meter = await stripe.V1.Billing.Meters.CreateAsync(new MeterCreateOptions
                {
                    DisplayName = $"Billing {definition.Key}",
                    EventName = definition.Key,
                    // Stripe has no "max" formula: storage is submitted as its running maximum, so "last" bills the maximum.
                    DefaultAggregation = new MeterDefaultAggregationOptions { Formula = definition.Kind == MetricKind.Counter ? "sum" : "last" },
                    CustomerMapping = new MeterCustomerMappingOptions { Type = "by_id", EventPayloadKey = "stripe_customer_id" },
                    ValueSettings = new MeterValueSettingsOptions { EventPayloadKey = "value" },
                }, cancellationToken: cancellationToken);
                created++;
            }

            ids[definition.Metric] = meter.Id;
            var key = CatalogLookupKeys.Meter(definition.Metric);
            var entry = await db.StripeCatalog.FindAsync([key], cancellationToken);
            if (entry is null)
            {
                db.StripeCatalog.Add(new StripeCatalogEntry { LookupKey = key, Kind = "meter", Metric = definition.Key, StripeId = meter.Id, SyncedAt = clock.GetUtcNow() });
            }
            else
            {
                entry.StripeId = meter.Id;
                entry.SyncedAt = clock.GetUtcNow();
            }
        }

        return (ids, created);
    }

    private async Task<Dictionary<string, Price>> ExistingPricesAsync(List<string> lookupKeys, CancellationToken cancellationToken)
    {
        var prices = new Dictionary<string, Price>();
        // Stripe accepts at most 10 lookup keys per list call.
        foreach (var chunk in lookupKeys.Chunk(10))
        {
            var page = await stripe.V1.Prices.ListAsync(new PriceListOptions { LookupKeys = [.. chunk], Active = true, Limit = 100, Expand = ["data.tiers"] },
                cancellationToken: cancellationToken);
            foreach (var price in page.Data.Where(p => p.LookupKey is not null))
            {
                prices[price.LookupKey] = price;
            }
        }

        return prices;
    }

    private static bool Matches(Price price, WantedPrice want)
    {
        if (want.UnitAmount is { } unitAmount)
        {
            return price.UnitAmount == unitAmount && price.Recurring?.UsageType != "metered";
        }

        var tiers = price.Tiers ?? [];
        return price.Recurring?.Meter == want.MeterId
            && tiers.Count == want.Tiers.Count
            && tiers.Zip(want.Tiers).All(pair => pair.First.UpTo == pair.Second.UpTo
                && (pair.First.UnitAmountDecimal ?? pair.First.UnitAmount ?? 0) == pair.Second.UnitAmountDecimal);
    }

    private async Task<(string ProductId, bool Created)> EnsureProductAsync(PlanTier tier, Dictionary<string, Price> existing, CancellationToken cancellationToken)
    {
        // A price of the plan that is being replaced still points at the plan's product.
        var sibling = existing.Values.FirstOrDefault(p => p.LookupKey.StartsWith($"billing_{tier.ToKey()}_", StringComparison.Ordinal));
        if (sibling is not null)
        {
            return (sibling.ProductId, false);
        }

        var stored = await db.StripeCatalog.AsNoTracking().Where(e => e.Plan == tier.ToKey() && e.ProductId != null).Select(e => e.ProductId).FirstOrDefaultAsync(cancellationToken);
        if (stored is not null)
        {
            return (stored, false);
        }

        var product = await stripe.V1.Products.CreateAsync(new ProductCreateOptions
        {
            Name = $"Billing {catalog.Plan(tier).Name}",
            Metadata = new Dictionary<string, string> { ["billing_plan"] = tier.ToKey() },
        }, new RequestOptions { IdempotencyKey = $"billing-product-{tier.ToKey()}" }, cancellationToken);
        return (product.Id, true);
    }

    private PriceCreateOptions Options(WantedPrice want, string productId)
    {
        var options = new PriceCreateOptions
        {
            Currency = catalog.Currency,
            Product = productId,
            LookupKey = want.LookupKey,
            TransferLookupKey = true,
            Nickname = want.LookupKey,
            Metadata = new Dictionary<string, string> { ["billing_plan"] = want.Tier.ToKey() },
        };
        if (want.UnitAmount is { } unitAmount)
        {
            options.UnitAmount = unitAmount;
            options.Recurring = new PriceRecurringOptions { Interval = "month", UsageType = "licensed" };
            return options;
        }

        options.Metadata["billing_metric"] = want.Metric!.Value.ToKey();
        options.Recurring = new PriceRecurringOptions { Interval = "month", UsageType = "metered", Meter = want.MeterId };
        options.BillingScheme = "tiered";
        options.TiersMode = "graduated";
        options.Tiers = [.. want.Tiers.Select(t => new PriceTierOptions
        {
            UpTo = t.UpTo is { } upTo ? upTo : PriceTierUpTo.Inf,
            UnitAmountDecimal = t.UnitAmountDecimal,
        })];
        return options;
    }

    private async Task RecordAsync(WantedPrice want, string priceId, string productId, CancellationToken cancellationToken)
    {
        var entry = await db.StripeCatalog.FindAsync([want.LookupKey], cancellationToken);
        if (entry is null)
        {
            db.StripeCatalog.Add(entry = new StripeCatalogEntry { LookupKey = want.LookupKey, Kind = want.Metric is null ? "base" : "metered", StripeId = priceId });
        }

        entry.Plan = want.Tier.ToKey();
        entry.Metric = want.Metric?.ToKey();
        entry.StripeId = priceId;
        entry.ProductId = productId;
        entry.SyncedAt = clock.GetUtcNow();
    }
}
