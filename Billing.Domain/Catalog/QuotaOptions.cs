namespace Billing.Domain.Catalog;

/// <summary>One quota as configuration; see <see cref="Quota"/>. The overage price is the pair of the last two properties, both or neither.</summary>
public sealed class QuotaOptions
{
    public long Included { get; set; }

    /// <summary><c>hard</c> or <c>soft</c>.</summary>
    public string Cap { get; set; } = string.Empty;

    public decimal GracePercent { get; set; }

    public decimal? OverageAmountCents { get; set; }

    public long? OveragePerUnits { get; set; }
}
