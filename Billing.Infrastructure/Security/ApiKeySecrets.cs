using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Billing.Infrastructure.Security;

/// <summary>Tenant API keys: 32 random bytes, shown once, stored as SHA-256, compared in constant time.</summary>
public static class ApiKeySecrets
{
    public const string KeyPrefix = "bk_";

    /// <summary>How many characters of a key are kept in clear, to tell keys apart in lists.</summary>
    public const int VisiblePrefixLength = 11;

    /// <summary>
    /// The shortest secret after <see cref="KeyPrefix"/> a key may have: generated keys have 43 characters, a configured
    /// one (the demo tenant's) at least this many.
    /// </summary>
    public const int MinSecretLength = 32;

    /// <summary>The longest secret after <see cref="KeyPrefix"/> a key may have.</summary>
    public const int MaxSecretLength = 125;

    private static readonly SearchValues<char> Base64UrlCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public static (string Key, string Prefix, byte[] Hash) Generate()
    {
        var key = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (key, key[..VisiblePrefixLength], Hash(key));
    }

    /// <summary>
    /// Whether <paramref name="key"/> could be a tenant key at all: the prefix, then <see cref="MinSecretLength"/> to
    /// <see cref="MaxSecretLength"/> base64url characters. Anything else is refused without looking it up.
    /// </summary>
    public static bool IsWellFormed(string key) =>
        key.Length - KeyPrefix.Length is >= MinSecretLength and <= MaxSecretLength
        && key.StartsWith(KeyPrefix, StringComparison.Ordinal)
        && !key.AsSpan(KeyPrefix.Length).ContainsAnyExcept(Base64UrlCharacters);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Constant-time comparison, so response timing reveals nothing about a secret.</summary>
    public static bool SecretEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
