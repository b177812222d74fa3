using System.ComponentModel.DataAnnotations;

namespace Billing.Api.Entitlements;

/// <param name="IdempotencyKey">Required to consume: the same key never consumes twice.</param>
public sealed record EntitlementRequest(
    [property: Required] string Metric,
    [property: Range(0, 1_000_000_000_000)] long Amount,
    [property: StringLength(100)] string? IdempotencyKey);

/// <param name="Decision"><c>allow</c>, <c>warn</c> (soft cap passed, or inside grace) or <c>deny</c>.</param>
/// <param name="Consumed">Whether this call counted the amount (a replayed key or a denial does not).</param>
public sealed record EntitlementResponse(
    string Decision, string Metric, long? Limit, long Included, long Used, long Remaining, DateTimeOffset ResetAt, bool Consumed, string? Reason);
