namespace Billing.Infrastructure.Stripe;

/// <summary>
/// Stripe's invoice statuses only move forward (draft → open → paid | void, open → uncollectible → paid | void), so
/// the rank orders events that <c>created</c>'s whole seconds cannot: a same-second or late event never moves an
/// invoice back.
/// </summary>
public static class InvoiceStatuses
{
    public static int Rank(string? status) => status switch
    {
        "draft" => 0,
        "open" => 1,
        "uncollectible" => 2,
        "paid" or "void" => 3,
        _ => 0,
    };

    /// <summary>Paid, or voided: nothing is owed on it any more, so a failed attempt on it cannot start a payment grace period.</summary>
    public static bool IsSettled(string? status) => status is "paid" or "void";
}
