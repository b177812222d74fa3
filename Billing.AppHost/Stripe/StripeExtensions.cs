namespace Billing.AppHost.Stripe;

/// <summary>
/// Stripe for the services: the real API when the <c>stripe-secret-key</c> parameter is set, otherwise
/// the local <c>Billing.StripeEmulator</c> (the offline default) with a generated key and webhook secret.
/// The services receive the same configuration keys either way and cannot tell the difference.
/// </summary>
public static class StripeExtensions
{
    public const string SecretKeyParameter = "stripe-secret-key";
    public const string WebhookSecretParameter = "stripe-webhook-secret";

    /// <summary>The Stripe connection; <see cref="StripeConnection.Emulator"/> is null with a real key and when publishing.</summary>
    public static StripeConnection AddStripe(this IDistributedApplicationBuilder builder, string dataDirectory)
    {
        // A deployment bills through a real Stripe account: the parameters are required, the emulator is not deployed.
        if (builder.ExecutionContext.IsPublishMode
            || !string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{SecretKeyParameter}"]))
        {
            return new StripeConnection(
                ReferenceExpression.Create($"{builder.AddParameter(SecretKeyParameter, secret: true)}"),
                ReferenceExpression.Create($"{builder.AddParameter(WebhookSecretParameter, secret: true)}"),
                null);
        }

        var key = builder.AddParameter("stripe-emulator-key", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
        var signing = builder.AddParameter("stripe-emulator-webhook-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        var secretKey = ReferenceExpression.Create($"sk_test_{key}");
        var webhookSecret = ReferenceExpression.Create($"whsec_{signing}");
        var emulator = builder.AddProject<Projects.Billing_StripeEmulator>("stripe-emulator")
            .WithEnvironment("Emulator__ApiKey", secretKey)
            .WithEnvironment("Emulator__WebhookSecret", webhookSecret)
            .WithEnvironment("Emulator__DataFile", Path.Combine(dataDirectory, "stripe-emulator.json"))
            .WithHttpHealthCheck("/health");
        return new StripeConnection(secretKey, webhookSecret, emulator);
    }

    /// <summary>Gives a service the Stripe key, webhook secret and (with the emulator) its address; waits for the emulator.</summary>
    public static IResourceBuilder<ProjectResource> WithStripe(this IResourceBuilder<ProjectResource> service, StripeConnection stripe)
    {
        service.WithEnvironment("Stripe__SecretKey", stripe.SecretKey).WithEnvironment("Stripe__WebhookSecret", stripe.WebhookSecret);
        if (stripe.Emulator is { } emulator)
        {
            var endpoint = emulator.GetEndpoint("http");
            service.WithEnvironment("Stripe__ApiBase", endpoint).WithEnvironment("Stripe__MeterEventsBase", endpoint).WaitFor(emulator);
        }

        return service;
    }

    /// <summary>With the emulator, registers the API's webhook endpoint with it (a real account needs it registered in Stripe's dashboard).</summary>
    public static void DeliverWebhooksTo(this StripeConnection stripe, IResourceBuilder<ProjectResource> api) =>
        stripe.Emulator?.WithEnvironment("Emulator__WebhookUrl", ReferenceExpression.Create($"{api.GetEndpoint("http")}/api/v1/webhooks/stripe"));
}

/// <summary>Stripe's key and webhook secret as the services see them, and the emulator when it runs.</summary>
public sealed record StripeConnection(ReferenceExpression SecretKey, ReferenceExpression WebhookSecret, IResourceBuilder<ProjectResource>? Emulator);
