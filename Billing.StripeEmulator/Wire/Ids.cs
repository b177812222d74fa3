using System.Security.Cryptography;

namespace Billing.StripeEmulator.Wire;

/// <summary>Object ids shaped like Stripe's: a type prefix and 24 base-62 characters.</summary>
public static class Ids
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix, int length = 24) =>
        prefix + RandomNumberGenerator.GetString(Alphabet, length);
}
