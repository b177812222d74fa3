using System.Globalization;

namespace Billing.Domain.Tests;

/// <summary>Attribute arguments cannot be decimals or dates, so theory rows spell them as invariant strings.</summary>
internal static class Values
{
    public static decimal Dec(string value) => decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);

    public static DateTimeOffset Time(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
}
