namespace Billing.Infrastructure.Alerts;

/// <summary>Alert webhook delivery (configuration section <c>Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string SectionName = "Alerts";

    /// <summary>How long a tenant's endpoint may take to answer before the attempt counts as failed.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in all, the first included; after the last failure the alert is <c>failed</c>.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>The wait after the first failure; it doubles after each further one.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Alerts claimed by one delivery pass.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>Deliveries in flight at once within a pass.</summary>
    public int Parallelism { get; set; } = 8;

    /// <summary>
    /// Whether webhooks may go to loopback, private and link-local addresses. Off by default: tenants choose the URL,
    /// and the worker must not become their way into the operator's own network (cloud metadata, internal services).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Whether webhook URLs may be plain <c>http</c>. Unset, only in Development: elsewhere an alert and its signature
    /// would cross the network in clear, and anyone on the path could read the tenant's usage or replay the request.
    /// </summary>
    public bool? AllowHttp { get; set; }
}
