using System.ComponentModel.DataAnnotations;

namespace Billing.Api.Subscriptions;

/// <param name="GraceEndsAt">When a failed payment's grace runs out (the tenant is then held to Free quotas).</param>
/// <param name="BasePriceCents">The monthly base price of the plan as this tenant has it (with its overrides).</param>
/// <param name="HasOverrides">The operator gave this tenant custom quotas or prices; <c>GET /usage</c> shows them per metric.</param>
/// <param name="CollectionMethod"><c>charge_automatically</c> (the card on file) or <c>send_invoice</c> (set by the operator).</param>
/// <param name="PaymentMethod">The card on file; null when there is none.</param>
/// <param name="PaymentMethodRequired">Choosing a paid plan now needs a card first: start Checkout (<c>POST /subscription/checkout</c>).</param>
/// <param name="Outstanding">What is owed on open invoices; null when nothing is.</param>
public sealed record SubscriptionResponse(
    string Plan,
    string Status,
    DateTimeOffset CurrentPeriodStart,
    DateTimeOffset CurrentPeriodEnd,
    bool CancelAtPeriodEnd,
    string? PendingPlan,
    DateTimeOffset? PaymentFailedAt,
    DateTimeOffset? GraceEndsAt,
    long BasePriceCents,
    string Currency,
    bool HasOverrides,
    string CollectionMethod,
    int? DaysUntilDue,
    CardSummary? PaymentMethod,
    bool PaymentMethodRequired,
    OutstandingPayment? Outstanding);

/// <param name="Brand">Stripe's card brand: <c>visa</c>, <c>mastercard</c>, <c>amex</c>, ...</param>
public sealed record CardSummary(string Brand, string Last4, int ExpMonth, int ExpYear);

/// <param name="AmountDueCents">The sum still owed on every open invoice.</param>
/// <param name="HostedInvoiceUrl">The oldest open invoice's payment page ("Pay now").</param>
/// <param name="NextPaymentAttempt">When Stripe retries the card next; null when no retry is scheduled.</param>
/// <param name="DueDate">With <c>send_invoice</c>: when the oldest open invoice is due.</param>
public sealed record OutstandingPayment(long AmountDueCents, int OpenInvoices, string? HostedInvoiceUrl, DateTimeOffset? NextPaymentAttempt, int AttemptCount, DateTimeOffset? DueDate);

/// <param name="Plan">A paid plan: <c>standard</c> or <c>enterprise</c>.</param>
public sealed record CheckoutRequest([property: Required] string Plan);

/// <param name="Url">Stripe's hosted Checkout page; send the tenant's browser there.</param>
public sealed record CheckoutResponse(string Url, string SessionId, DateTimeOffset ExpiresAt);

/// <param name="Timing"><c>now</c> (prorated) or <c>period_end</c>; by default upgrades apply now and downgrades at the period's end.</param>
public sealed record ChangePlanRequest([property: Required] string Plan, string? Timing);

public sealed record CancelRequest(bool AtPeriodEnd = true);
