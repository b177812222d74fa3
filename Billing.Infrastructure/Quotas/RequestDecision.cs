using Billing.Domain.Quotas;

namespace Billing.Infrastructure.Quotas;

/// <summary>The decisions on a metered request's quotas.</summary>
/// <param name="Decisions">One per ask, in the asks' order, up to and including the first that denied.</param>
/// <param name="InDatabase">Redis did not answer: decided in PostgreSQL, where the reserved units are already stored.</param>
public sealed record RequestDecision(IReadOnlyList<LedgerDecision> Decisions, bool InDatabase)
{
    /// <summary>The decision that refused the request; null when every quota let it through.</summary>
    public LedgerDecision? Denied => Decisions is [.., { Decision.Kind: QuotaDecisionKind.Deny } last] ? last : null;
}
