namespace Billing.Api.StripeRoutes;

/// <summary>
/// Limits on the tenant routes that call Stripe (configuration section <c>StripeRoutes</c>). Every tenant shares one
/// Stripe account, whose rate limit (100 requests a second live, 25 in test mode) must not be one tenant's to spend.
/// </summary>
public sealed class StripeRouteOptions
{
    public const string SectionName = "StripeRoutes";

    /// <summary>Requests to these routes a tenant may make a minute, on average.</summary>
    public int RequestsPerMinute { get; set; } = 20;

    /// <summary>Requests a tenant may make at once after a quiet spell.</summary>
    public int Burst { get; set; } = 10;

    /// <summary>How long an invoice preview is answered from this replica's cache before Stripe is asked again.</summary>
    public int PreviewCacheSeconds { get; set; } = 30;

    /// <summary>How long a plan change waits for the tenant's previous one before it is refused with a 409.</summary>
    public int PlanChangeWaitSeconds { get; set; } = 10;
}
