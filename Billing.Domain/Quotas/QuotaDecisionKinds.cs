namespace Billing.Domain.Quotas;

/// <summary>The wire names of decisions: <c>allow</c>, <c>warn</c>, <c>deny</c>.</summary>
public static class QuotaDecisionKinds
{
    /// <summary>The lowercase key of <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined decision.</exception>
    public static string ToKey(this QuotaDecisionKind kind) => kind switch
    {
        QuotaDecisionKind.Allow => "allow",
        QuotaDecisionKind.Warn => "warn",
        QuotaDecisionKind.Deny => "deny",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown quota decision."),
    };
}
