using Billing.Domain.Catalog;

namespace Billing.Api.Enforcement;

/// <summary>Endpoint metadata: the endpoint is held to the tenant's quota of <paramref name="Metric"/> (one per <c>RequireQuota</c>).</summary>
internal sealed record QuotaRequirement(Metric Metric, QuotaAmount Amount)
{
    /// <summary>Counted per request and reserved before the handler, rather than reported by it afterwards.</summary>
    public bool Counted => Amount == QuotaAmount.OnePerRequest;
}
