using Billing.Domain.Catalog;

namespace Billing.Domain.Alerts;

/// <summary>A threshold that <paramref name="Value"/> has reached: an alert, once per period.</summary>
/// <param name="Metric">The metric of an <see cref="AlertKind.Included"/> crossing; null for spend.</param>
/// <param name="Value">Usage in the metric's unit, or spend so far in cents.</param>
/// <param name="Limit">The included quantity, or the spend limit in cents.</param>
public sealed record ThresholdCrossing(AlertKind Kind, Metric? Metric, int ThresholdPercent, long Value, long Limit);
