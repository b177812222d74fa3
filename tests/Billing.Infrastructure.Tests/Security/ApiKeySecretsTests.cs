using System.Security.Cryptography;
using System.Text;
using Billing.Infrastructure.Security;

namespace Billing.Infrastructure.Tests.Security;

public sealed class ApiKeySecretsTests
{
    [Fact]
    public void Generated_keys_are_prefixed_random_and_hashed_with_sha256()
    {
        var (key, prefix, hash) = ApiKeySecrets.Generate();
        var (other, _, _) = ApiKeySecrets.Generate();

        Assert.StartsWith("bk_", key);
        Assert.Equal(3 + 43, key.Length);
        Assert.Equal(key[..11], prefix);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), hash);
        Assert.NotEqual(key, other);
    }

    [Theory]
    [InlineData("operator-secret", "operator-secret", true)]
    [InlineData("operator-secret", "operator-secreT", false)]
    [InlineData("", "operator-secret", false)]
    public void Secrets_compare_exactly(string presented, string expected, bool equal) =>
        Assert.Equal(equal, ApiKeySecrets.SecretEquals(presented, expected));

    [Theory]
    [InlineData("bk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd", true)]
    [InlineData("bk_demo_0123456789abcdefghijklmnopqrstuvwxyz", true)]
    [InlineData("bk_0123456789abcdefghijklmnopqrstuv", true)]
    [InlineData("bk_0123456789abcdefghijklmnopqrstu", false)]
    [InlineData("bk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abcd", false)]
    [InlineData("bk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 abcde", false)]
    [InlineData("bk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\u00e9abcd", false)]
    [InlineData("BK_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd", false)]
    [InlineData("sk_test_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", false)]
    [InlineData("", false)]
    public void Only_a_prefix_and_32_to_125_base64url_characters_can_be_a_key(string key, bool wellFormed) =>
        Assert.Equal(wellFormed, ApiKeySecrets.IsWellFormed(key));

    [Fact]
    public void Generated_keys_are_well_formed_and_the_longest_allowed_is_128_characters()
    {
        Assert.True(ApiKeySecrets.IsWellFormed(ApiKeySecrets.Generate().Key));
        Assert.True(ApiKeySecrets.IsWellFormed("bk_" + new string('a', 125)));
        Assert.False(ApiKeySecrets.IsWellFormed("bk_" + new string('a', 126)));
    }
}
