using Billing.Domain.Catalog;

namespace Billing.Api.Enforcement;

/// <summary>What a metered request asks of one quota before its work is done.</summary>
/// <param name="Amount">Units needed now (0: only check that one more fits, for amounts known after the work).</param>
/// <param name="Reserve">Count <paramref name="Amount"/> with the decision, so concurrent requests cannot pass a hard cap together.</param>
public readonly record struct QuotaCharge(Metric Metric, long Amount, bool Reserve);
