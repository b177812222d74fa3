using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>
/// Every field of Stripe's own fixture object (fixtures3.json) is present in the emulator's object of the same type,
/// with the same JSON type. Null is accepted on either side, since these fields are nullable in Stripe's API.
/// </summary>
public sealed class FixtureShapeTests : IAsyncLifetime
{
    private static readonly Lazy<JsonObject> Fixtures = new(() =>
        JsonNode.Parse(System.IO.File.ReadAllText(FixturePath()))!["resources"]!.AsObject());

    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Every_object_type_the_project_uses_has_the_fixture_fields_with_their_types()
    {
        var stripe = _host.Stripe;
        var endpoint = await stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = "http://127.0.0.1:9/hook", EnabledEvents = ["*"] });
        var catalog = await Catalog.CreateAsync(stripe, 4900);
        var (clock, customer) = await Catalog.CustomerOnClockAsync(stripe, Catalog.Jan1);
        var sub = await stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions
        {
            Customer = customer.Id,
            Items = [new() { Price = catalog.Base.Id }, new() { Price = catalog.Metered.Id }],
        });
        var meterEvent = await _host.PostFormAsync("/v1/billing/meter_events",
            [new("event_name", "api_calls"), new("identifier", "shape-1"), new("payload[stripe_customer_id]", customer.Id), new("payload[value]", "3")]);
        var adjustment = await _host.PostFormAsync("/v1/billing/meter_event_adjustments",
            [new("event_name", "api_calls"), new("type", "cancel"), new("cancel[identifier]", "shape-1")]);
        var invoiceId = sub.LatestInvoiceId;
        var start = Catalog.Jan1.AddDays(-1);
        var summaries = await Raw($"/v1/billing/meters/{catalog.Meter.Id}/event_summaries?customer={customer.Id}&start_time={Unix(start)}&end_time={Unix(Catalog.Jan1.AddDays(1))}");
        var invoice = await Raw($"/v1/invoices/{invoiceId}");
        var subJson = await Raw($"/v1/subscriptions/{sub.Id}");
        var invoiceItem = await ProrationItemAsync(stripe, sub, catalog);
        var events = await Raw("/v1/events?limit=1");
        var deleted = await Raw($"/v1/customers/{(await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions())).Id}", HttpMethod.Delete);
        var checkout = await _host.PostFormAsync("/v1/checkout/sessions",
            [new("mode", "subscription"), new("customer", customer.Id), new("line_items[0][price]", catalog.Base.Id), new("line_items[0][quantity]", "1"),
             new("success_url", "http://127.0.0.1:9/done")]);
        var portal = await _host.PostFormAsync("/v1/billing_portal/sessions", [new("customer", customer.Id), new("return_url", "http://127.0.0.1:9/")]);
        var setup = await _host.PostFormAsync("/v1/checkout/sessions", [new("mode", "setup"), new("customer", customer.Id), new("success_url", "http://127.0.0.1:9/done")]);
        await _host.SubmitAsync(new Uri(setup.Body["url"]!.GetValue<string>()).AbsolutePath, EmulatorHost.Card("4242 4242 4242 4242"));
        var setupIntent = (await Raw($"/v1/checkout/sessions/{setup.Body["id"]}"))["setup_intent"]!.GetValue<string>();

        var objects = new Dictionary<string, JsonNode>
        {
            ["product"] = await Raw($"/v1/products/{catalog.Product.Id}"),
            ["price"] = await Raw($"/v1/prices/{catalog.Metered.Id}"),
            ["plan"] = subJson["items"]!["data"]![0]!["plan"]!,
            ["customer"] = await Raw($"/v1/customers/{customer.Id}"),
            ["deleted_customer"] = deleted,
            ["billing.meter"] = await Raw($"/v1/billing/meters/{catalog.Meter.Id}"),
            ["billing.meter_event"] = meterEvent.Body,
            ["billing.meter_event_adjustment"] = adjustment.Body,
            ["billing.meter_event_summary"] = summaries["data"]![0]!,
            ["subscription"] = subJson,
            ["subscription_item"] = await Raw($"/v1/subscription_items/{sub.Items.Data[0].Id}"),
            ["invoice"] = invoice,
            ["line_item"] = invoice["lines"]!["data"]![0]!,
            ["invoiceitem"] = await Raw($"/v1/invoiceitems/{invoiceItem}"),
            ["test_helpers.test_clock"] = await Raw($"/v1/test_helpers/test_clocks/{clock.Id}"),
            ["webhook_endpoint"] = await Raw($"/v1/webhook_endpoints/{endpoint.Id}"),
            ["event"] = events["data"]![0]!,
            ["payment_method"] = await Raw($"/v1/payment_methods/{customer.InvoiceSettings.DefaultPaymentMethodId}"),
            ["checkout.session"] = checkout.Body,
            ["billing_portal.session"] = portal.Body,
            ["setup_intent"] = await Raw($"/v1/setup_intents/{setupIntent}"),
        };

        // The fixture event carries a plan; the object inside an event is compared above under its own type.
        var fixtureEvent = Fixtures.Value["event"]!.DeepClone();
        fixtureEvent["data"]!.AsObject().Remove("object");
        var problems = objects.SelectMany(pair => Compare(pair.Key, pair.Key == "event" ? fixtureEvent : Fixtures.Value[pair.Key]!, pair.Value)).ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static async Task<string> ProrationItemAsync(StripeClient stripe, Subscription sub, Catalog catalog)
    {
        await stripe.V1.SubscriptionItems.UpdateAsync(sub.Items.Data[0].Id, new SubscriptionItemUpdateOptions { Quantity = 2 });
        var items = await stripe.V1.InvoiceItems.ListAsync(new InvoiceItemListOptions { Customer = sub.CustomerId });
        Assert.All(items.Data, i => Assert.Equal(catalog.Base.Id, i.Pricing.PriceDetails.PriceId));
        return items.Data[0].Id;
    }

    private async Task<JsonNode> Raw(string path, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        var response = await _host.Http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, $"{path}: {body.ToJsonString()}");
        return body;
    }

    private static IEnumerable<string> Compare(string path, JsonNode fixture, JsonNode? actual)
    {
        if (fixture is JsonObject expected)
        {
            if (actual is not JsonObject obj)
            {
                yield return $"{path}: expected an object";
                yield break;
            }

            foreach (var (key, value) in expected)
            {
                if (!obj.ContainsKey(key))
                {
                    yield return $"{path}.{key}: missing";
                }
                // Metadata holds the fixture author's own keys: only its type is Stripe's.
                else if (key == "metadata" && obj[key] is not (null or JsonObject))
                {
                    yield return $"{path}.{key}: expected an object";
                }
                else if (value is not null && obj[key] is not null && key != "metadata")
                {
                    foreach (var problem in Compare($"{path}.{key}", value, obj[key]))
                    {
                        yield return problem;
                    }
                }
            }

            yield break;
        }

        if (fixture.GetValueKind() != actual!.GetValueKind() &&
            !(fixture.GetValueKind() is JsonValueKind.True or JsonValueKind.False && actual.GetValueKind() is JsonValueKind.True or JsonValueKind.False))
        {
            yield return $"{path}: {fixture.GetValueKind()} in the fixture, {actual.GetValueKind()} here";
            yield break;
        }

        if (fixture is JsonArray fixtureArray && actual is JsonArray actualArray && fixtureArray.Count > 0 && actualArray.Count > 0 && fixtureArray[0] is { } first)
        {
            foreach (var problem in Compare($"{path}[0]", first, actualArray[0]))
            {
                yield return problem;
            }
        }
    }

    private static long Unix(DateTime t) => new DateTimeOffset(t).ToUnixTimeSeconds();

    private static string FixturePath() => Path.Combine(AppContext.BaseDirectory, "Fixtures", "fixtures3.json");
}
