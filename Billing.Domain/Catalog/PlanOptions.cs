namespace Billing.Domain.Catalog;

/// <summary>One plan as configuration; see <see cref="Plan"/>.</summary>
public sealed class PlanOptions
{
    public string Name { get; set; } = string.Empty;

    public long BasePriceCents { get; set; }

    public int PaymentGraceDays { get; set; }

    /// <summary>Usage events a tenant of this plan may send; <see cref="IngestionBudget.Default"/> when not configured.</summary>
    public IngestionBudgetOptions? IngestionBudget { get; set; }

    /// <summary>Quotas by metric key (<c>llm_tokens</c>, ...; case-insensitive).</summary>
    public Dictionary<string, QuotaOptions> Quotas { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
