namespace Billing.Domain.Catalog;

/// <summary>One plan as configuration; see <see cref="Plan"/>.</summary>
public sealed class PlanOptions
{
    public string Name { get; set; } = string.Empty;

    public long BasePriceCents { get; set; }

    public int PaymentGraceDays { get; set; }

    /// <summary>Quotas by metric key (<c>llm_tokens</c>, ...; case-insensitive).</summary>
    public Dictionary<string, QuotaOptions> Quotas { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
