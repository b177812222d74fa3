using Billing.Domain.Catalog;

namespace Billing.Domain.Quotas;

/// <summary>The answer to "may this tenant consume more of this metric?", describing the state before the request.</summary>
/// <param name="Limit">The hard limit (included plus grace); null for soft caps, which never block.</param>
/// <param name="Remaining">Units left before the limit (hard caps) or before the included quantity runs out (soft caps), never negative.</param>
/// <param name="Reason">Why the request was warned about or denied; null when allowed.</param>
public sealed record QuotaDecision(
    QuotaDecisionKind Kind, Metric Metric, long Included, long? Limit, long Used, long Remaining, string? Reason);
