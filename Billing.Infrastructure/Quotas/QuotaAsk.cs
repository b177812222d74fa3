using Billing.Domain.Catalog;

namespace Billing.Infrastructure.Quotas;

/// <summary>One quota a metered request is held to before its handler runs.</summary>
/// <param name="Amount">Units the request needs now (0: only check that one more fits, for amounts known after the handler).</param>
/// <param name="Reserve">Count <paramref name="Amount"/> with the decision, so concurrent requests cannot pass a hard cap together.</param>
/// <param name="EventId">The usage event that records the reservation (written with the decision when Redis is down).</param>
public sealed record QuotaAsk(Quota Quota, long Amount, bool Reserve, string EventId);
