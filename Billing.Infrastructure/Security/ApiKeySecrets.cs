using System.Security.Cryptography;
using System.Text;

namespace Billing.Infrastructure.Security;

/// <summary>Tenant API keys: 32 random bytes, shown once, stored as SHA-256, compared in constant time.</summary>
public static class ApiKeySecrets
{
    public const string KeyPrefix = "bk_";

    /// <summary>How many characters of a key are kept in clear, to tell keys apart in lists.</summary>
    public const int VisiblePrefixLength = 11;

    public static (string Key, string Prefix, byte[] Hash) Generate()
    {
        var key = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (key, key[..VisiblePrefixLength], Hash(key));
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Constant-time comparison, so response timing reveals nothing about a secret.</summary>
    public static bool SecretEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
