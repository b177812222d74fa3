namespace Billing.Infrastructure.Stripe;

/// <summary>Where Stripe's hosted pages send a tenant back (configuration section <c>Payments</c>).</summary>
public sealed class PaymentsOptions
{
    public const string SectionName = "Payments";

    /// <summary>
    /// The tenant dashboard's address (<c>https://billing.example.com</c>): Checkout returns there, with
    /// <c>?checkout=complete</c> or <c>?checkout=cancelled</c>, and so does the customer portal.
    /// </summary>
    public string? DashboardUrl { get; set; }

    /// <summary>The dashboard's address with <paramref name="query"/>, or null when it is not configured.</summary>
    public string? Dashboard(string? query = null) =>
        string.IsNullOrWhiteSpace(DashboardUrl) ? null : DashboardUrl.TrimEnd('/') + "/" + (query is null ? "" : "?" + query);
}
