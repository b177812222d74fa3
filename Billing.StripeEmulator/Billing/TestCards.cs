namespace Billing.StripeEmulator.Billing;

/// <summary>How a test card behaves once it is used.</summary>
public enum CardBehavior
{
    /// <summary>Attaches, and every charge succeeds.</summary>
    Succeeds,

    /// <summary>Attaching (or paying with) it fails with <c>card_declined</c>.</summary>
    DeclinedOnAttach,

    /// <summary>Attaches, and every charge on it is declined.</summary>
    ChargesFail,
}

public sealed record TestCard(string Token, string Number, string Brand, CardBehavior Behavior)
{
    public string Last4 => Number[^4..];

    /// <summary>American Express codes have four digits, the others three.</summary>
    public int CvcLength => Brand == "amex" ? 4 : 3;
}

/// <summary>Stripe's test payment method tokens and the card numbers that stand for them on hosted pages.</summary>
public static class TestCards
{
    public static IReadOnlyList<TestCard> All { get; } =
    [
        new("pm_card_visa", "4242424242424242", "visa", CardBehavior.Succeeds),
        new("pm_card_mastercard", "5555555555554444", "mastercard", CardBehavior.Succeeds),
        new("pm_card_amex", "378282246310005", "amex", CardBehavior.Succeeds),
        new("pm_card_chargeDeclined", "4000000000000002", "visa", CardBehavior.DeclinedOnAttach),
        new("pm_card_chargeCustomerFail", "4000000000000341", "visa", CardBehavior.ChargesFail),
    ];

    public static TestCard? ByToken(string token) => All.FirstOrDefault(card => card.Token == token);

    /// <summary>The card with this number, spaces and dashes ignored.</summary>
    public static TestCard? ByNumber(string number)
    {
        var digits = new string(number.Where(char.IsAsciiDigit).ToArray());
        return digits.Length == number.Count(c => c is not (' ' or '-')) ? All.FirstOrDefault(card => card.Number == digits) : null;
    }
}
