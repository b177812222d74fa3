using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Infrastructure.Stripe;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Stripe;

namespace Billing.Api.Webhooks;

/// <summary>
/// <c>POST /api/v1/webhooks/stripe</c>: verify the signature (5-minute tolerance), store the event
/// unique by id, answer at once. The worker processes the inbox; a repeated delivery is acknowledged
/// and ignored.
/// </summary>
public static class StripeWebhookEndpoints
{
    public const int ToleranceSeconds = 300;

    public sealed record WebhookReceipt(bool Received, bool Duplicate);

    public static IEndpointRouteBuilder MapStripeWebhooks(this IEndpointRouteBuilder app)
    {
        // Stripe authenticates with its signature, not an API key.
        app.MapPost("/api/v1/webhooks/stripe", Receive).WithTags("Webhooks").AllowAnonymous().WithName("ReceiveStripeWebhook")
            .Accepts<string>("application/json").LimitRequestBody(RequestBodyLimits.StripeWebhook);
        return app;
    }

    public static async Task<Results<Ok<WebhookReceipt>, ProblemHttpResult>> Receive(
        HttpRequest request, IOptions<StripeOptions> options, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        // Without a secret (Stripe off) nothing can be verified, and an empty key must never verify anything.
        if (string.IsNullOrWhiteSpace(options.Value.WebhookSecret))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.InvalidSignature,
                title: "Invalid Stripe signature", detail: "No Stripe webhook secret is configured (Stripe:WebhookSecret): no signature can be verified.");
        }

        if (request.Headers["Stripe-Signature"] is not [{ Length: > 0 } signature])
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.InvalidSignature,
                title: "Invalid Stripe signature", detail: "The request carries no Stripe-Signature header, or more than one.");
        }

        using var reader = new StreamReader(request.Body);
        var payload = await reader.ReadToEndAsync(cancellationToken);
        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(payload, signature, options.Value.WebhookSecret,
                ToleranceSeconds, throwOnApiVersionMismatch: false);
        }
        catch (StripeException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.InvalidSignature,
                title: "Invalid Stripe signature", detail: e.Message);
        }

        var stored = await WebhookInbox.StoreAsync(dataSource, stripeEvent, payload, cancellationToken);
        return TypedResults.Ok(new WebhookReceipt(true, !stored));
    }
}
