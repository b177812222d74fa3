using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Stripe;

/// <summary>A webhook secret is required with Stripe on, and without one no signature (an empty key's least of all) verifies.</summary>
public sealed class StripeWebhookSecretTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public void With_stripe_on_and_no_webhook_secret_the_api_refuses_to_start_and_says_why()
    {
        using var misconfigured = api.Replica(("Stripe:SecretKey", "sk_test_live_without_secret"));

        var error = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());

        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Contains("Stripe:WebhookSecret", messages);
        Assert.Contains("stripe-webhook-secret", messages);
    }

    [Fact]
    public async Task Without_a_secret_an_event_signed_with_an_empty_key_is_refused_and_not_stored()
    {
        var payload = """{"id":"evt_empty_key","object":"event","api_version":"2026-10-28.endive","created":1700000000,"type":"invoice.paid","data":{"object":{"id":"in_forged","object":"invoice"}}}""";
        using var http = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks/stripe") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", StripeSystem.Sign(payload, secret: ""));

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.EndsWith("/invalid-signature", problem.GetProperty("type").GetString());
        Assert.Contains("Stripe:WebhookSecret", problem.GetProperty("detail").GetString());
        await using var db = api.CreateDbContext();
        Assert.False(await db.WebhookEvents.AnyAsync(e => e.StripeEventId == "evt_empty_key", TestContext.Current.CancellationToken));
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
