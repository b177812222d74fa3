using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/customers</c>, optionally attached to a test clock.</summary>
public static class CustomersEndpoints
{
    /// <summary>Maps the customer endpoints.</summary>
    public static void MapCustomers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/customers");
        group.MapPost("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var f = req.Form;
            var clock = f.Str("test_clock") is { Length: > 0 } clockId ? TestClocksEndpoints.Find(tx, clockId, "test_clock").Id : null;
            var customer = new CustomerRecord
            {
                Id = Ids.New("cus_", 14),
                Name = f.Str("name"),
                Email = f.Str("email"),
                Description = f.Str("description"),
                Phone = f.Str("phone"),
                TestClock = clock,
                InvoicePrefix = Ids.New("", 8).ToUpperInvariant(),
                Created = tx.NowFor(clock),
            };
            Metadata.Apply(customer.Metadata, f);
            tx.S.Add(tx.S.Customers, customer);
            tx.Publish("customer.created", tx.RenderCustomer(customer), customer.Created);
            return tx.Respond(tx.RenderCustomer(customer), req.Expand);
        }));

        group.MapGet("", (HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var email = req.Form.Str("email");
            var clock = req.Form.Str("test_clock");
            var customers = EmulatorState.NewestFirst(tx.S.Customers.Values.Where(c =>
                !c.Deleted
                && (string.IsNullOrEmpty(email) || c.Email == email)
                && (string.IsNullOrEmpty(clock) || c.TestClock == clock)));
            return tx.Respond(StripeList.Page(customers, c => c.Id, tx.RenderCustomer, req.Form, "/v1/customers"), req.Expand);
        }));

        group.MapGet("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var customer = tx.S.Customers.GetValueOrDefault(id) ?? throw StripeError.NotFound("customer", id);
            return customer.Deleted ? StripeResults.Ok(CatalogJson.Deleted(id, "customer")) : tx.Respond(tx.RenderCustomer(customer), req.Expand);
        }));

        group.MapPost("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, req) =>
        {
            var customer = Find(tx, id);
            var f = req.Form;
            customer.Name = f.Has("name") ? f.Str("name") : customer.Name;
            customer.Email = f.Has("email") ? f.Str("email") : customer.Email;
            customer.Description = f.Has("description") ? f.Str("description") : customer.Description;
            customer.Phone = f.Has("phone") ? f.Str("phone") : customer.Phone;
            Metadata.Apply(customer.Metadata, f);
            tx.Publish("customer.updated", tx.RenderCustomer(customer), tx.NowFor(customer.TestClock));
            return tx.Respond(tx.RenderCustomer(customer), req.Expand);
        }));

        group.MapDelete("/{id}", (string id, HttpContext http, EmulatorRuntime rt) => rt.Handle(http, (tx, _) =>
        {
            var customer = Find(tx, id);
            customer.Deleted = true;
            foreach (var sub in tx.S.Subscriptions.Values.Where(s => s.Customer == id && s.Status != "canceled"))
            {
                SubscriptionsEndpoints.CancelNow(tx, sub, invoiceNow: false);
            }

            tx.Publish("customer.deleted", tx.RenderCustomer(customer), tx.NowFor(customer.TestClock));
            return StripeResults.Ok(CatalogJson.Deleted(id, "customer"));
        }));
    }

    public static CustomerRecord Find(Tx tx, string id, string param = "id") =>
        tx.S.Customers.GetValueOrDefault(id) is { Deleted: false } customer ? customer : throw StripeError.NotFound("customer", id, param);
}
