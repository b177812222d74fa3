using System.Text.Json.Nodes;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.State;

/// <summary>One unit of work under the store's lock: the state, the clocks, and where events go.</summary>
public sealed class Tx(EmulatorState state, EmulatorClock clock, EmulatorOptions options, string baseUrl, string apiVersion, string? requestId, string? idempotencyKey)
{
    public EmulatorState S { get; } = state;

    public EmulatorClock Clock { get; } = clock;

    public EmulatorOptions Options { get; } = options;

    public string BaseUrl { get; } = baseUrl;

    public long GlobalNow => Clock.GlobalNow(S);

    public long NowForCustomer(string customerId) => Clock.NowForCustomer(S, customerId);

    public long NowFor(string? testClockId) => Clock.NowFor(S, testClockId);

    /// <summary>Records an event and queues its delivery to every endpoint that listens for its type.</summary>
    public EventRecord Publish(string type, JsonObject obj, long? created = null, JsonObject? previous = null)
    {
        var endpoints = S.WebhookEndpoints.Values.Where(w => w.Matches(type)).OrderBy(w => w.Seq).ToList();
        var record = new EventRecord { Id = Ids.New("evt_"), Type = type, ApiVersion = apiVersion, Created = created ?? GlobalNow };
        var data = new JsonObject { ["object"] = obj };
        if (previous is not null)
        {
            data["previous_attributes"] = previous;
        }

        record.Json = new JsonObject
        {
            ["id"] = record.Id,
            ["object"] = "event",
            ["api_version"] = apiVersion,
            ["created"] = record.Created,
            ["data"] = data,
            ["livemode"] = false,
            ["pending_webhooks"] = endpoints.Count,
            ["request"] = new JsonObject { ["id"] = requestId, ["idempotency_key"] = idempotencyKey },
            ["type"] = type,
        }.ToJsonString(Json.Output);
        S.Add(S.Events, record);
        foreach (var endpoint in endpoints)
        {
            S.Add(S.Deliveries, new DeliveryRecord
            {
                Id = Ids.New("whdel_"),
                Created = Clock.WallNow,
                Event = record.Id,
                EventType = type,
                Endpoint = endpoint.Id,
                Url = endpoint.Url,
                NextAttemptAtMs = Clock.WallNowMs,
            });
        }

        return record;
    }

    /// <summary>Renders any stored object by id, for <c>expand</c>.</summary>
    public JsonObject? Render(string id)
    {
        if (S.Customers.TryGetValue(id, out var customer))
        {
            return RenderCustomer(customer);
        }

        if (S.Products.TryGetValue(id, out var product))
        {
            return CatalogJson.Product(product);
        }

        if (S.Prices.TryGetValue(id, out var price))
        {
            return CatalogJson.Price(price);
        }

        if (S.Subscriptions.TryGetValue(id, out var sub))
        {
            return SubscriptionJson.Subscription(S, sub);
        }

        if (S.Invoices.TryGetValue(id, out var invoice))
        {
            return InvoiceJson.Invoice(S, invoice, BaseUrl);
        }

        if (S.PaymentMethods.TryGetValue(id, out var method))
        {
            return PaymentJson.PaymentMethod(method);
        }

        if (S.CheckoutSessions.TryGetValue(id, out var session))
        {
            return PaymentJson.CheckoutSession(session, HostedUrls.Checkout(BaseUrl, session.Id));
        }

        if (S.SetupIntents.TryGetValue(id, out var intent))
        {
            return PaymentJson.SetupIntent(intent);
        }

        if (S.TestClocks.TryGetValue(id, out var clock))
        {
            return SubscriptionJson.TestClock(clock);
        }

        var owner = S.FindSubscriptionOfItem(id);
        return owner is null ? null : SubscriptionJson.Item(S, owner, owner.Items.First(i => i.Id == id));
    }

    public JsonObject RenderCustomer(CustomerRecord c)
    {
        var subs = S.Subscriptions.Values.Where(s => s.Customer == c.Id).ToList();
        var delinquent = S.Invoices.Values.Any(i => i.Customer == c.Id && i.Status == "open" && i.Attempted);
        return CatalogJson.Customer(c, subs.Count > 0, delinquent);
    }

    /// <summary>The answer to the current request with its <c>expand</c> parameters applied.</summary>
    public IResult Respond(JsonNode body, IReadOnlyList<string> expand)
    {
        Expander.Apply(body, expand, Render);
        return StripeResults.Ok(body);
    }
}
