using System.Globalization;
using Billing.StripeEmulator.Billing;
using Microsoft.Extensions.Primitives;

namespace Billing.StripeEmulator.Pages;

/// <summary>What the customer typed, echoed back when the form is shown again (never the security code).</summary>
public sealed record CardFormValues(string Number, string Expiry, string Name);

/// <summary>
/// The card form of the hosted pages (number, expiry, security code, name) and its checks. It takes Stripe's test card
/// numbers only: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, 4000 0000 0000 0341 attaches but its charges fail.
/// </summary>
public static class CardForm
{
    public static string Html(string action, string submitLabel, string? error = null, CardFormValues? values = null)
    {
        var invalid = error is null ? "" : " aria-invalid=\"true\" aria-describedby=\"card-error\"";
        var message = error is null ? "" : $"<p id=\"card-error\" class=\"error\" role=\"alert\">{HostedPage.E(error)}</p>";
        return $"""
            <form method="post" action="{HostedPage.E(action)}" novalidate>
              {message}
              <label for="card-number">Card number</label>
              <input id="card-number" name="number" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" value="{HostedPage.E(values?.Number)}"{invalid}>
              <div class="row">
                <div><label for="card-expiry">Expiry (MM / YY)</label>
                <input id="card-expiry" name="expiry" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" value="{HostedPage.E(values?.Expiry)}"{invalid}></div>
                <div><label for="card-cvc">Security code (CVC)</label>
                <input id="card-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC"{invalid}></div>
              </div>
              <label for="card-name">Name on card</label>
              <input id="card-name" name="name" autocomplete="cc-name" value="{HostedPage.E(values?.Name)}"{invalid}>
              <button type="submit">{HostedPage.E(submitLabel)}</button>
            </form>
            """;
    }

    public static CardFormValues Values(IFormCollection form) => new(Field(form["number"]), Field(form["expiry"]), Field(form["name"]));

    /// <summary>The card, or the first thing wrong with what was typed; the expiry must not be before <paramref name="now"/>'s month.</summary>
    public static (CardEntry? Entry, string? Error) Read(IFormCollection form, long now)
    {
        var values = Values(form);
        if (values.Number.Length == 0)
        {
            return (null, "Enter the card number.");
        }

        if (TestCards.ByNumber(values.Number) is not { } card)
        {
            return (null, "Use a test card number, such as 4242 4242 4242 4242. This is test mode: real cards are refused.");
        }

        if (!TryExpiry(values.Expiry, out var month, out var year))
        {
            return (null, "Enter the expiry as MM / YY.");
        }

        var today = DateTimeOffset.FromUnixTimeSeconds(now);
        if (year < today.Year || (year == today.Year && month < today.Month))
        {
            return (null, "Your card's expiry date is in the past.");
        }

        var cvc = Field(form["cvc"]);
        if (cvc.Length != card.CvcLength || !cvc.All(char.IsAsciiDigit))
        {
            return (null, $"Your card's security code has {card.CvcLength} digits.");
        }

        return values.Name.Length == 0 ? (null, "Enter the name on the card.") : (new CardEntry(card, month, year, values.Name), null);
    }

    private static bool TryExpiry(string text, out long month, out long year)
    {
        month = year = 0;
        var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length is not (4 or 6) || !long.TryParse(digits[..2], NumberStyles.None, CultureInfo.InvariantCulture, out month) || month is < 1 or > 12)
        {
            return false;
        }

        year = long.Parse(digits[2..], NumberStyles.None, CultureInfo.InvariantCulture);
        year += digits.Length == 4 ? 2000 : 0;
        return true;
    }

    private static string Field(StringValues value) => value.ToString().Trim();
}
