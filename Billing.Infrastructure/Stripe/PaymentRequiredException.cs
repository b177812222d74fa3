namespace Billing.Infrastructure.Stripe;

public enum PaymentProblem
{
    /// <summary>The change needs a card on file and the tenant has none: collect one with Checkout.</summary>
    MethodRequired,

    /// <summary>The card on file was declined for the first invoice.</summary>
    Declined,
}

/// <summary>A paid plan could not start because it could not be paid for; nothing changed, in Stripe or here.</summary>
public sealed class PaymentRequiredException(PaymentProblem problem, string message) : Exception(message)
{
    public PaymentProblem Problem { get; } = problem;
}
