using Billing.Api.Plans;

namespace Billing.Api.Tenants;

/// <summary>A tenant's custom pricing: what differs from its plan. Whatever is left out keeps the plan's value.</summary>
/// <param name="BasePriceCents">Replaces the plan's monthly base price.</param>
/// <param name="Quotas">By metric key (<c>api_calls</c>, ...): the parts of that quota to replace.</param>
/// <param name="IngestionBudget">The parts of the plan's ingestion budget to replace.</param>
public sealed record TenantOverridesBody(
    long? BasePriceCents, IReadOnlyDictionary<string, QuotaOverrideBody?>? Quotas, IngestionBudgetOverrideBody? IngestionBudget = null);

/// <param name="Burst">At least 1,000, the events of one request.</param>
public sealed record IngestionBudgetOverrideBody(int? EventsPerSecond, int? Burst);

/// <param name="Cap"><c>hard</c> or <c>soft</c>; a soft cap needs an overage price on every plan.</param>
/// <param name="OverageAmountCents">With <paramref name="OveragePerUnits"/> (both or neither): the price of units past the included quantity.</param>
public sealed record QuotaOverrideBody(long? Included, string? Cap, decimal? GracePercent, decimal? OverageAmountCents, long? OveragePerUnits);

/// <param name="EffectivePlan">The tenant's plan with the overrides applied: what enforcement, the usage report and the subscription use.</param>
public sealed record TenantOverridesResponse(Guid TenantId, TenantOverridesBody Overrides, PlanResponse EffectivePlan);
