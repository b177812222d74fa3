using Billing.Domain.Quotas;

namespace Billing.Infrastructure.Quotas;

/// <param name="Reserved">The units were counted with the decision and must be released if not consumed.</param>
/// <param name="Replayed">The idempotency key was seen before: nothing was counted this time.</param>
/// <param name="RecordedInDatabase">Decided without Redis: the usage event is already stored.</param>
/// <param name="OverPeriodTotal">Allowed by the quota, but the units would take the period's total past
/// <see cref="Billing.Domain.Metering.UsageEventRules.MaxPeriodTotal"/>: nothing was reserved.</param>
public sealed record LedgerDecision(QuotaDecision Decision, bool Reserved, bool Replayed, bool RecordedInDatabase = false, bool OverPeriodTotal = false);
