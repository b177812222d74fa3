using Microsoft.AspNetCore.Http.Metadata;

namespace Billing.Api.Http;

/// <summary>
/// How large a request body may be: the server refuses anything larger than its largest endpoint needs (a batch of
/// usage events), and endpoints that take a few fields refuse much less. Past a limit the answer is a 413 problem.
/// </summary>
public static class RequestBodyLimits
{
    /// <summary>A batch of usage events: up to 1,000 events in 1 MiB. No endpoint takes more.</summary>
    public const long UsageEvents = 1024 * 1024;

    /// <summary>A Stripe event: an object with its first lines and items, tens of kilobytes in practice.</summary>
    public const long StripeWebhook = 256 * 1024;

    /// <summary>Settings and commands: a handful of fields (a webhook URL of 2,000 characters, per-tenant overrides).</summary>
    public const long Settings = 16 * 1024;

    /// <summary>Kestrel's own limit (30 MB by default) becomes the largest endpoint's.</summary>
    public static WebApplicationBuilder LimitRequestBodies(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = UsageEvents);
        return builder;
    }

    /// <summary>Endpoints of the builder refuse bodies over <paramref name="bytes"/> (routing sets the server's limit per request).</summary>
    public static TBuilder LimitRequestBody<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimit(bytes));

    private sealed record RequestSizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
