using System.Globalization;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/prices</c>: flat, graduated or volume tiers, licensed or metered, with lookup keys.</summary>
public static class PricesEndpoints
{
    /// <summary>Maps the price endpoints.</summary>
    public static void MapPrices(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/prices");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var price = Build(tx, req.Form);
            if (price.LookupKey is not null)
            {
                ClaimLookupKey(tx, price, price.LookupKey, req.Form.Bool("transfer_lookup_key") ?? false);
            }

            tx.S.Add(tx.S.Prices, price);
            tx.Publish("price.created", CatalogJson.Price(price));
            return tx.Respond(CatalogJson.Price(price), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var active = f.Bool("active");
            var product = f.Str("product");
            var type = f.Str("type");
            var lookupKeys = f.Strings("lookup_keys");
            var prices = EmulatorState.NewestFirst(tx.S.Prices.Values.Where(p =>
                (active is null || p.Active == active)
                && (string.IsNullOrEmpty(product) || p.Product == product)
                && (string.IsNullOrEmpty(type) || (type == "recurring") == (p.Interval is not null))
                && (lookupKeys.Count == 0 || (p.LookupKey is not null && lookupKeys.Contains(p.LookupKey)))));
            return tx.Respond(StripeList.Page(prices, p => p.Id, p => CatalogJson.Price(p), f, "/v1/prices"), req.Expand);
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(CatalogJson.Price(Find(tx, id)), req.Expand)));

        group.MapPost("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var price = Find(tx, id);
            var f = req.Form;
            price.Active = f.Bool("active") ?? price.Active;
            price.Nickname = f.Has("nickname") ? f.Str("nickname") : price.Nickname;
            if (f.Has("lookup_key"))
            {
                var key = f.Str("lookup_key");
                if (string.IsNullOrEmpty(key))
                {
                    price.LookupKey = null;
                }
                else
                {
                    ClaimLookupKey(tx, price, key, f.Bool("transfer_lookup_key") ?? false);
                }
            }

            Metadata.Apply(price.Metadata, f);
            tx.Publish("price.updated", CatalogJson.Price(price));
            return tx.Respond(CatalogJson.Price(price), req.Expand);
        }));
    }

    public static PriceRecord Find(Tx tx, string id, string param = "id") =>
        tx.S.Prices.GetValueOrDefault(id) ?? throw StripeError.NotFound("price", id, param);

    private static PriceRecord Build(Tx tx, FormTree f)
    {
        var currency = f.Required("currency").ToLowerInvariant();
        var productId = f.Str("product");
        if (string.IsNullOrEmpty(productId))
        {
            var data = f["product_data"] ?? throw StripeError.MissingParam("product");
            var now = tx.GlobalNow;
            var product = new ProductRecord { Id = Ids.New("prod_", 14), Name = data.Required("name"), Created = now, Updated = now };
            tx.S.Add(tx.S.Products, product);
            tx.Publish("product.created", CatalogJson.Product(product));
            productId = product.Id;
        }
        else
        {
            ProductsEndpoints.Find(tx, productId, "product");
        }

        var price = new PriceRecord
        {
            Id = Ids.New("price_"),
            Product = productId,
            Currency = currency,
            Active = f.Bool("active") ?? true,
            Nickname = f.Str("nickname"),
            LookupKey = f.Str("lookup_key") is { Length: > 0 } key ? key : null,
            BillingScheme = f.Str("billing_scheme") ?? "per_unit",
            TaxBehavior = f.Str("tax_behavior") ?? "unspecified",
            Created = tx.GlobalNow,
        };
        Metadata.Apply(price.Metadata, f);
        ReadRecurring(tx, f, price);
        if (price.BillingScheme == "tiered")
        {
            ReadTiers(f, price);
        }
        else
        {
            price.UnitAmount = f.Long("unit_amount") is { } whole ? whole : f.Decimal("unit_amount_decimal");
            if (price.UnitAmount is null)
            {
                throw StripeError.MissingParam("unit_amount");
            }
        }

        return price;
    }

    private static void ReadRecurring(Tx tx, FormTree f, PriceRecord price)
    {
        var recurring = f["recurring"];
        if (recurring is null)
        {
            return;
        }

        price.Interval = recurring.Required("interval");
        if (price.Interval is not ("day" or "week" or "month" or "year"))
        {
            throw StripeError.InvalidParam("recurring[interval]", $"Invalid recurring[interval]: must be one of day, week, month, or year");
        }

        price.IntervalCount = recurring.Long("interval_count") ?? 1;
        price.UsageType = recurring.Str("usage_type") ?? "licensed";
        price.Meter = recurring.Str("meter") is { Length: > 0 } meter ? meter : null;
        if (price.UsageType == "metered")
        {
            if (price.Meter is null)
            {
                throw StripeError.InvalidParam("recurring[meter]", "A meter is required for prices with usage_type=metered.");
            }

            if (!tx.S.Meters.ContainsKey(price.Meter))
            {
                throw StripeError.NotFound("billing.meter", price.Meter, "recurring[meter]");
            }
        }
    }

    private static void ReadTiers(FormTree f, PriceRecord price)
    {
        price.TiersMode = f.Str("tiers_mode") ?? throw StripeError.MissingParam("tiers_mode");
        if (price.TiersMode is not ("graduated" or "volume"))
        {
            throw StripeError.InvalidParam("tiers_mode", "Invalid tiers_mode: must be one of graduated or volume");
        }

        var tiers = f.List("tiers");
        if (tiers.Count == 0)
        {
            throw StripeError.MissingParam("tiers");
        }

        for (var i = 0; i < tiers.Count; i++)
        {
            var t = tiers[i];
            var upTo = t.Str("up_to");
            var tier = new PriceTier
            {
                UpTo = upTo == "inf" ? null : long.TryParse(upTo, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bound)
                    ? bound
                    : throw StripeError.InvalidParam($"tiers[{i}][up_to]", "up_to must be a positive integer or `inf`."),
                UnitAmount = t.Long("unit_amount") is { } unit ? unit : t.Decimal("unit_amount_decimal"),
                FlatAmount = t.Long("flat_amount") is { } flat ? flat : t.Decimal("flat_amount_decimal"),
            };
            price.Tiers.Add(tier);
        }

        if (price.Tiers[^1].UpTo is not null || price.Tiers.SkipLast(1).Any(t => t.UpTo is null))
        {
            throw StripeError.InvalidParam("tiers", "Only the last tier can have up_to set to `inf`, and it must.");
        }
    }

    private static void ClaimLookupKey(Tx tx, PriceRecord price, string key, bool transfer)
    {
        var holder = tx.S.Prices.Values.FirstOrDefault(p => p.LookupKey == key && p.Id != price.Id);
        if (holder is not null)
        {
            if (!transfer)
            {
                throw StripeError.Invalid($"A price (`{holder.Id}`) already uses that lookup key.", "lookup_key");
            }

            holder.LookupKey = null;
        }

        price.LookupKey = key;
    }
}
