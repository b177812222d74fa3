using System.Text.Json.Nodes;
using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary>Webhook endpoints, delivery retries with backoff, the configured endpoint and the event log.</summary>
public sealed class WebhookDeliveryTests
{
    [Fact]
    public async Task A_failing_endpoint_is_retried_until_it_answers_2xx()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 2);
        await using var host = await EmulatorHost.StartAsync();
        var endpoint = await host.Stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = receiver.Url, EnabledEvents = ["customer.created"] });

        var customer = await host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "retry@example.com" });
        var delivered = (await receiver.WaitForAsync(d => d.Count == 1)).Single();
        var log = (await host.Http.GetFromJsonAsync<JsonArray>("/_emulator/webhooks"))!;

        Assert.Equal([500, 500, 200], receiver.Received.Select(d => d.Status));
        Assert.Equal(customer.Id, ((Customer)EventUtility.ConstructEvent(delivered.Body, delivered.Signature, endpoint.Secret, 300).Data.Object).Id);
        var attempts = log.Single()!["attempts"]!.AsArray();
        Assert.Equal([500, 500, 200], attempts.Select(a => a!["status"]!.GetValue<int>()));
        Assert.True(log.Single()!["delivered"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Only_enabled_event_types_are_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await EmulatorHost.StartAsync();
        await host.Stripe.V1.WebhookEndpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = receiver.Url, EnabledEvents = ["product.created"] });

        await host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        await host.Stripe.V1.Products.CreateAsync(new ProductCreateOptions { Name = "Only this" });
        var delivered = await receiver.WaitForAsync(d => d.Count >= 1);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        Assert.Single(receiver.Received);
        Assert.Contains("\"product.created\"", delivered.Single().Body);
    }

    [Fact]
    public async Task The_configured_endpoint_is_created_once_with_the_configured_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var dataFile = Path.Combine(Path.GetTempPath(), $"emulator-{Guid.NewGuid():N}.json");
        string[] settings = [$"Emulator:WebhookUrl={receiver.Url}", "Emulator:WebhookSecret=whsec_configured", $"Emulator:DataFile={dataFile}"];
        try
        {
            await using (var first = await EmulatorHost.StartAsync(settings))
            {
                await first.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
            }

            await using var second = await EmulatorHost.StartAsync(settings);
            var endpoints = await second.Stripe.V1.WebhookEndpoints.ListAsync();
            var delivered = (await receiver.WaitForAsync(d => d.Count >= 1)).First();

            Assert.Equal(receiver.Url, endpoints.Data.Single().Url);
            Assert.Equal(["*"], endpoints.Data.Single().EnabledEvents);
            Assert.Equal("customer.created", EventUtility.ConstructEvent(delivered.Body, delivered.Signature, "whsec_configured", 300).Type);
        }
        finally
        {
            System.IO.File.Delete(dataFile);
        }
    }

    [Fact]
    public async Task Events_are_listed_by_type_and_fetched_by_id()
    {
        await using var host = await EmulatorHost.StartAsync();
        var customer = await host.Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "e@example.com" });
        await host.Stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { Name = "Renamed" });

        var updates = await host.Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.*" });
        var fetched = await host.Stripe.V1.Events.GetAsync(updates.Data[0].Id);
        var (_, raw) = await host.GetJsonAsync($"/v1/events/{fetched.Id}");

        Assert.Equal(["customer.updated", "customer.created"], updates.Data.Select(e => e.Type));
        Assert.StartsWith("evt_", fetched.Id);
        Assert.Equal("Renamed", ((Customer)fetched.Data.Object).Name);
        Assert.Equal(EmulatorHost.ApiVersion, fetched.ApiVersion);
        var previous = raw["data"]!["previous_attributes"]!.AsObject();
        Assert.Equal(["name"], previous.Select(p => p.Key));
        Assert.Null(previous["name"]);
    }
}
