using System.Buffers.Text;
using System.Security.Cryptography;

namespace Billing.Infrastructure.Alerts;

/// <summary>
/// A tenant's webhook signing secret: 32 random bytes behind <c>bas_</c>. It is stored as is (signing needs it),
/// shown to the tenant once, and otherwise named only by its prefix.
/// </summary>
public static class AlertSecrets
{
    public const string Prefix = "bas_";

    /// <summary>How many characters are shown in clear to tell secrets apart (the prefix and 8 more).</summary>
    public const int VisiblePrefixLength = 12;

    public static string Generate() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string? VisiblePrefix(string? secret) => secret is null ? null : secret[..Math.Min(VisiblePrefixLength, secret.Length)];
}
