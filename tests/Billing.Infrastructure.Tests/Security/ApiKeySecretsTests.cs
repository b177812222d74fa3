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
}
