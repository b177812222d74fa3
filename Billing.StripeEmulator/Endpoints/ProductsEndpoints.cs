using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/products</c>: create, retrieve, update, list, delete.</summary>
public static class ProductsEndpoints
{
    /// <summary>Maps the product endpoints.</summary>
    public static void MapProducts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/products");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var now = tx.GlobalNow;
            var id = f.Str("id") ?? Ids.New("prod_", 14);
            if (tx.S.Products.ContainsKey(id))
            {
                throw StripeError.Invalid($"Product already exists.", "id", "resource_already_exists");
            }

            var product = new ProductRecord
            {
                Id = id,
                Name = f.Required("name"),
                Description = f.Str("description"),
                Active = f.Bool("active") ?? true,
                UnitLabel = f.Str("unit_label"),
                Created = now,
                Updated = now,
            };
            Metadata.Apply(product.Metadata, f);
            tx.S.Add(tx.S.Products, product);
            tx.Publish("product.created", CatalogJson.Product(product));
            return tx.Respond(CatalogJson.Product(product), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var active = req.Form.Bool("active");
            var products = EmulatorState.NewestFirst(tx.S.Products.Values.Where(p => active is null || p.Active == active));
            return tx.Respond(StripeList.Page(products, p => p.Id, p => CatalogJson.Product(p), req.Form, "/v1/products"), req.Expand);
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
            tx.Respond(CatalogJson.Product(Find(tx, id)), req.Expand)));

        group.MapPost("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var product = Find(tx, id);
            var f = req.Form;
            product.Name = f.Str("name") ?? product.Name;
            product.Description = f.Has("description") ? f.Str("description") : product.Description;
            product.Active = f.Bool("active") ?? product.Active;
            product.UnitLabel = f.Has("unit_label") ? f.Str("unit_label") : product.UnitLabel;
            if (f.Str("default_price") is { Length: > 0 } defaultPrice)
            {
                product.DefaultPrice = PricesEndpoints.Find(tx, defaultPrice, "default_price").Id;
            }

            Metadata.Apply(product.Metadata, f);
            product.Updated = tx.GlobalNow;
            tx.Publish("product.updated", CatalogJson.Product(product));
            return tx.Respond(CatalogJson.Product(product), req.Expand);
        }));

        group.MapDelete("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, _) =>
        {
            var product = Find(tx, id);
            if (tx.S.Prices.Values.Any(p => p.Product == id))
            {
                throw StripeError.Invalid("This product cannot be deleted because it has one or more user-created prices.");
            }

            tx.S.Products.Remove(id);
            tx.Publish("product.deleted", CatalogJson.Product(product));
            return StripeResults.Ok(CatalogJson.Deleted(id, "product"));
        }));
    }

    public static ProductRecord Find(Tx tx, string id, string param = "id") =>
        tx.S.Products.GetValueOrDefault(id) ?? throw StripeError.NotFound("product", id, param);
}
