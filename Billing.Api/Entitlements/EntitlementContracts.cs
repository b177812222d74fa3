using System.ComponentModel.DataAnnotations;
using Billing.Infrastructure.Metering;

namespace Billing.Api.Entitlements;

/// <param name="Metric">One of the five metric keys.</param>
/// <param name="Amount">
/// For a counter (<c>llm_tokens</c>, <c>api_calls</c>, <c>agent_executions</c>): the units to add to the period's usage.
/// For a gauge (<c>storage_mb</c>, <c>user_seats</c>): the level to check (e.g. 26 seats), compared with the limit as it
/// is, without adding the recorded level; gauges cannot be consumed (their levels are reported as usage events).
/// </param>
/// <param name="IdempotencyKey">
/// Required to consume: the same key never consumes twice. At most 92 characters: the consumption is stored as the
/// usage event <c>consume:&lt;key&gt;</c>, whose id holds 100.
/// </param>
public sealed record EntitlementRequest(
    [property: Required] string Metric,
    [property: Range(0, 1_000_000_000_000)] long Amount,
    string? IdempotencyKey)
{
    /// <summary>The prefix of a consumption's usage event id, which keeps consumptions apart from the tenant's own event ids.</summary>
    public const string EventIdPrefix = "consume:";

    /// <summary>The event id column's length minus the 8 characters of <see cref="EventIdPrefix"/>.</summary>
    public const int MaxIdempotencyKeyLength = UsageEventColumns.EventIdMaxLength - 8;
}

/// <param name="Decision"><c>allow</c>, <c>warn</c> (soft cap passed, or inside grace) or <c>deny</c>.</param>
/// <param name="Used">Counters: the period's usage including this call's consumption. Gauges: the recorded level.</param>
/// <param name="Remaining">Room under the limit (the included quantity for soft caps) after <c>Used</c>, or above the checked level for gauges.</param>
/// <param name="Consumed">Whether this call counted the amount (a replayed key or a denial does not).</param>
public sealed record EntitlementResponse(
    string Decision, string Metric, long? Limit, long Included, long Used, long Remaining, DateTimeOffset ResetAt, bool Consumed, string? Reason);
