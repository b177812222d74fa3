namespace Billing.Domain.Catalog;

/// <summary>A plan's ingestion budget as configuration; see <see cref="IngestionBudget"/>.</summary>
public sealed class IngestionBudgetOptions
{
    public int EventsPerSecond { get; set; }

    public int Burst { get; set; }
}
