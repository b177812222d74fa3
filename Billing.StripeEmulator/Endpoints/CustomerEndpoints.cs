using System.Text.Json.Nodes;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/customers</c>.</summary>
public static class CustomerEndpoints
{
    /// <summary>Maps customers.</summary>
    public static void MapCustomers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/customers");
        group.MapStripePost("", Create);
        group.MapStripeGet("", (tx, call) => StripeList.Page(
            EmulatorState.NewestFirst(tx.S.Customers.Values.Where(c => !c.Deleted &&
                (call.Form.Str("email") is not { } email || c.Email == email) &&
                (call.Form.Str("test_clock") is not { } clock || c.TestClock == clock))),
            c => c.Id, tx.RenderCustomer, call.Form, "/v1/customers"));
        group.MapStripeGet("/{id}", (tx, call) =>
        {
            var customer = tx.S.Customers.Find(call.Id, "customer");
            return customer.Deleted ? CatalogJson.Deleted(customer.Id, "customer") : tx.RenderCustomer(customer);
        });
        group.MapStripePost("/{id}", Update);
        group.MapStripeDelete("/{id}", (tx, call) =>
        {
            var customer = Live(tx, call.Id);
            foreach (var sub in tx.S.Subscriptions.Values.Where(s => s.Customer == customer.Id && s.Status != "canceled"))
            {
                sub.Status = "canceled";
                sub.CanceledAt = tx.NowForCustomer(customer.Id);
                sub.EndedAt = sub.CanceledAt;
                tx.Publish("customer.subscription.deleted", SubscriptionJson.Subscription(tx.S, sub));
            }

            customer.Deleted = true;
            tx.Publish("customer.deleted", tx.RenderCustomer(customer));
            return CatalogJson.Deleted(customer.Id, "customer");
        });
    }

    /// <summary>A customer that exists and is not deleted.</summary>
    public static CustomerRecord Live(Tx tx, string id, string param = "id")
    {
        var customer = tx.S.Customers.Find(id, "customer", param);
        return customer.Deleted ? throw StripeError.NotFound("customer", id, param) : customer;
    }

    private static JsonNode Create(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var clockId = form.Str("test_clock");
        if (clockId is not null)
        {
            tx.S.TestClocks.Find(clockId, "test_clock", "test_clock");
        }

        var customer = new CustomerRecord
        {
            Id = Ids.New("cus_", 14),
            TestClock = clockId,
            Name = form.Str("name"),
            Email = form.Str("email"),
            Description = form.Str("description"),
            Phone = form.Str("phone"),
            InvoicePrefix = Ids.New("", 8).ToUpperInvariant(),
        };
        customer.Created = tx.NowFor(clockId);
        customer.ApplyMetadata(form);
        tx.S.Add(tx.S.Customers, customer);
        tx.Publish("customer.created", tx.RenderCustomer(customer), customer.Created);
        var token = form.Str("payment_method");
        var attached = token is { Length: > 0 } ? PaymentMethods.Attach(tx, token, customer, "payment_method") : null;
        if (DefaultPaymentMethod(tx, form, customer, (token, attached?.Id)) is { } method)
        {
            PaymentMethods.SetCustomerDefault(tx, customer, method);
        }

        return tx.RenderCustomer(customer);
    }

    /// <summary>
    /// <c>invoice_settings[default_payment_method]</c>: absent leaves it, empty clears it, an id must be attached to the
    /// customer; the test token just attached with <c>payment_method</c> stands for the payment method it became.
    /// </summary>
    private static string? DefaultPaymentMethod(Tx tx, FormTree form, CustomerRecord customer, (string? Token, string? Id) attached = default)
    {
        if (form["invoice_settings"] is not { } settings || !settings.Has("default_payment_method"))
        {
            return customer.DefaultPaymentMethod;
        }

        return settings.Str("default_payment_method") is { Length: > 0 } id
            ? PaymentMethods.OwnedBy(tx, id == attached.Token ? attached.Id ?? id : id, customer, "invoice_settings[default_payment_method]")
            : null;
    }

    private static JsonNode Update(Tx tx, StripeCall call)
    {
        var form = call.Form;
        var customer = Live(tx, call.Id);
        var before = tx.RenderCustomer(customer);
        customer.DefaultPaymentMethod = DefaultPaymentMethod(tx, form, customer);
        customer.Name = form.Text("name", customer.Name);
        customer.Email = form.Text("email", customer.Email);
        customer.Description = form.Text("description", customer.Description);
        customer.Phone = form.Text("phone", customer.Phone);
        customer.ApplyMetadata(form);
        var after = tx.RenderCustomer(customer);
        tx.Publish("customer.updated", after, tx.NowForCustomer(customer.Id), Diff.Previous(before, after));
        return tx.RenderCustomer(customer);
    }
}
