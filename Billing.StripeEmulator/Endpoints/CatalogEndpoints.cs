using System.Text.Json.Nodes;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/products</c> and <c>/v1/prices</c>.</summary>
public static class CatalogEndpoints
{
    /// <summary>Maps products and prices.</summary>
    public static void MapCatalog(this IEndpointRouteBuilder app)
    {
        var products = app.MapGroup("/v1/products");
        products.MapStripePost("", CreateProduct);
        products.MapStripeGet("", (tx, call) => StripeList.Page(
            EmulatorState.NewestFirst(tx.S.Products.Values.Where(p => call.Form.Bool("active") is not { } active || p.Active == active)),
            p => p.Id, p => CatalogJson.Product(p), call.Form, "/v1/products"));
        products.MapStripeGet("/{id}", (tx, call) => CatalogJson.Product(tx.S.Products.Find(call.Id, "product")));
        products.MapStripePost("/{id}", UpdateProduct);
        products.MapStripeDelete("/{id}", (tx, call) =>
        {
            var product = tx.S.Products.Find(call.Id, "product");
            if (tx.S.Prices.Values.Any(p => p.Product == product.Id))
            {
                throw StripeError.Invalid("This product cannot be deleted because it has one or more user-created prices.");
            }

            tx.S.Products.Remove(product.Id);
            tx.Publish("product.deleted", CatalogJson.Product(product));
            return CatalogJson.Deleted(product.Id, "product");
        });

        var prices = app.MapGroup("/v1/prices");
        prices.MapStripePost("", CreatePrice);
        prices.MapStripeGet("", ListPrices);
        prices.MapStripeGet("/{id}", (tx, call) => CatalogJson.Price(tx.S.Prices.Find(call.Id, "price")));
        prices.MapStripePost("/{id}", UpdatePrice);
    }

    private static JsonNode CreateProduct(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var id = form.Str("id") ?? Ids.New("prod_");
        if (tx.S.Products.ContainsKey(id))
        {
            throw StripeError.Invalid("Product already exists.", "id", "resource_already_exists");
        }

        var product = new ProductRecord
        {
            Id = id,
            Created = tx.GlobalNow,
            Updated = tx.GlobalNow,
            Name = form.Required("name"),
            Description = form.Str("description"),
            Active = form.Bool("active") ?? true,
            UnitLabel = form.Str("unit_label"),
        };
        product.ApplyMetadata(form);
        tx.S.Add(tx.S.Products, product);
        var json = CatalogJson.Product(product);
        tx.Publish("product.created", CatalogJson.Product(product));
        return json;
    }

    private static JsonNode UpdateProduct(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var product = tx.S.Products.Find(call.Id, "product");
        var before = CatalogJson.Product(product);
        product.Name = form.Str("name") ?? product.Name;
        product.Description = form.Text("description", product.Description);
        product.Active = form.Bool("active") ?? product.Active;
        product.UnitLabel = form.Text("unit_label", product.UnitLabel);
        if (form.Str("default_price") is { } defaultPrice)
        {
            product.DefaultPrice = defaultPrice.Length == 0 ? null : tx.S.Prices.Find(defaultPrice, "price", "default_price").Id;
        }

        product.ApplyMetadata(form);
        product.Updated = tx.GlobalNow;
        var after = CatalogJson.Product(product);
        tx.Publish("product.updated", after, previous: Diff.Previous(before, after));
        return CatalogJson.Product(product);
    }

    private static JsonNode CreatePrice(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var productId = form.Str("product");
        if (productId is null && form["product_data"] is { } productData)
        {
            var product = tx.S.Add(tx.S.Products, new ProductRecord
            {
                Id = Ids.New("prod_"),
                Created = tx.GlobalNow,
                Updated = tx.GlobalNow,
                Name = productData.Required("name"),
                UnitLabel = productData.Str("unit_label"),
            });
            productId = product.Id;
        }

        if (productId is null)
        {
            throw StripeError.MissingParam("product");
        }

        tx.S.Products.Find(productId, "product", "product");
        var price = new PriceRecord
        {
            Id = Ids.New("price_"),
            Created = tx.GlobalNow,
            Product = productId,
            Currency = form.Required("currency").ToLowerInvariant(),
            Active = form.Bool("active") ?? true,
            Nickname = form.Str("nickname"),
            BillingScheme = form.Str("billing_scheme") ?? "per_unit",
            TaxBehavior = form.Str("tax_behavior") ?? "unspecified",
            UnitAmount = form.Decimal("unit_amount_decimal") ?? form.Long("unit_amount"),
        };
        if (form["recurring"] is { } recurring)
        {
            price.Interval = recurring.Required("interval");
            if (price.Interval is not ("day" or "week" or "month" or "year"))
            {
                throw StripeError.InvalidParam("recurring[interval]", "Invalid recurring[interval]: must be one of day, week, month, or year");
            }

            price.IntervalCount = recurring.Long("interval_count") ?? 1;
            price.UsageType = recurring.Str("usage_type") ?? "licensed";
            price.Meter = recurring.Str("meter");
            if (price.Meter is not null)
            {
                tx.S.Meters.Find(price.Meter, "billing.meter", "recurring[meter]");
            }

            if (price.IsMetered && price.Meter is null)
            {
                throw StripeError.MissingParam("recurring[meter]");
            }
        }

        if (price.BillingScheme == "tiered")
        {
            price.TiersMode = form.Str("tiers_mode") ?? throw StripeError.MissingParam("tiers_mode");
            if (price.TiersMode is not ("graduated" or "volume"))
            {
                throw StripeError.InvalidParam("tiers_mode", "Invalid tiers_mode: must be one of graduated or volume");
            }

            price.Tiers = ParseTiers(form);
            price.UnitAmount = null;
        }
        else if (price.UnitAmount is null && form.Str("custom_unit_amount") is null)
        {
            throw StripeError.MissingParam("unit_amount");
        }

        price.ApplyMetadata(form);
        SetLookupKey(tx, price, form.Str("lookup_key"), form.Bool("transfer_lookup_key") ?? false);
        tx.S.Add(tx.S.Prices, price);
        tx.Publish("price.created", CatalogJson.Price(price));
        return CatalogJson.Price(price);
    }

    private static List<PriceTier> ParseTiers(FormTree form)
    {
        var tiers = form.List("tiers").Select((node, index) =>
        {
            var upTo = node.Str("up_to") ?? throw StripeError.MissingParam($"tiers[{index}][up_to]");
            return new PriceTier
            {
                UpTo = upTo == "inf" ? null : node.Long("up_to"),
                UnitAmount = node.Decimal("unit_amount_decimal") ?? node.Long("unit_amount"),
                FlatAmount = node.Decimal("flat_amount_decimal") ?? node.Long("flat_amount"),
            };
        }).ToList();
        if (tiers.Count == 0)
        {
            throw StripeError.MissingParam("tiers");
        }

        if (tiers[^1].UpTo is not null || tiers.Take(tiers.Count - 1).Any(t => t.UpTo is null))
        {
            throw StripeError.InvalidParam("tiers", "Only the last tier may have up_to set to inf, and it must.");
        }

        for (var i = 1; i < tiers.Count - 1; i++)
        {
            if (tiers[i].UpTo <= tiers[i - 1].UpTo)
            {
                throw StripeError.InvalidParam("tiers", "The up_to values of tiers must increase.");
            }
        }

        return tiers;
    }

    private static void SetLookupKey(Tx tx, PriceRecord price, string? lookupKey, bool transfer)
    {
        if (lookupKey is null)
        {
            return;
        }

        var holder = tx.S.Prices.Values.FirstOrDefault(p => p.Id != price.Id && p.LookupKey == lookupKey);
        if (holder is not null)
        {
            if (!transfer)
            {
                throw StripeError.Invalid($"A price ({holder.Id}) already uses that lookup key.", "lookup_key");
            }

            holder.LookupKey = null;
        }

        price.LookupKey = lookupKey.Length == 0 ? null : lookupKey;
    }

    private static JsonNode ListPrices(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var lookupKeys = form.Strings("lookup_keys");
        var matches = tx.S.Prices.Values.Where(p =>
            (form.Bool("active") is not { } active || p.Active == active) &&
            (form.Str("product") is not { } product || p.Product == product) &&
            (form.Str("type") is not { } type || (type == "recurring") == (p.Interval is not null)) &&
            (form.Str("currency") is not { } currency || p.Currency == currency) &&
            (lookupKeys.Count == 0 || (p.LookupKey is not null && lookupKeys.Contains(p.LookupKey))));
        return StripeList.Page(EmulatorState.NewestFirst(matches), p => p.Id, p => CatalogJson.Price(p), form, "/v1/prices");
    }

    private static JsonNode UpdatePrice(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var price = tx.S.Prices.Find(call.Id, "price");
        var before = CatalogJson.Price(price);
        price.Active = form.Bool("active") ?? price.Active;
        price.Nickname = form.Text("nickname", price.Nickname);
        price.TaxBehavior = form.Str("tax_behavior") ?? price.TaxBehavior;
        SetLookupKey(tx, price, form.Str("lookup_key"), form.Bool("transfer_lookup_key") ?? false);
        price.ApplyMetadata(form);
        var after = CatalogJson.Price(price);
        tx.Publish("price.updated", after, previous: Diff.Previous(before, after));
        return CatalogJson.Price(price);
    }
}
