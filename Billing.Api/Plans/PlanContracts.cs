namespace Billing.Api.Plans;

public sealed record PlanCatalogResponse(string Currency, IReadOnlyList<PlanResponse> Plans);

public sealed record PlanResponse(
    string Id,
    string Name,
    long BasePriceCents,
    int PaymentGraceDays,
    IReadOnlyList<QuotaResponse> Quotas,
    IngestionBudgetResponse IngestionBudget);

/// <summary>Usage events a tenant may send: bursts of <paramref name="Burst"/> events, refilled at <paramref name="EventsPerSecond"/>.</summary>
public sealed record IngestionBudgetResponse(int EventsPerSecond, int Burst);

/// <param name="Cap"><c>hard</c> blocks at <paramref name="HardLimit"/>; <c>soft</c> never blocks and bills overage.</param>
/// <param name="Overage">Price of usage above <paramref name="Included"/>: <c>AmountCents</c> per <c>PerUnits</c> units.</param>
public sealed record QuotaResponse(
    string Metric,
    string Unit,
    long Included,
    string Cap,
    decimal GracePercent,
    long? HardLimit,
    OverageResponse? Overage);

public sealed record OverageResponse(decimal AmountCents, long PerUnits);
