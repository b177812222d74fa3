using Billing.Api.Gateway;

namespace Billing.Api.Tests.Gateway;

/// <summary>The original request's path as the gateway routes it, whatever its spelling.</summary>
public sealed class OriginalPathTests
{
    [Theory]
    [InlineData("/v1/chat/completions", "/v1/chat/completions")]
    [InlineData("/v1/chat/completions?stream=true#x", "/v1/chat/completions")]
    [InlineData("/v1//chat/./completions", "/v1/chat/completions")]
    [InlineData("/v1/chat/../chat/%63ompletions", "/v1/chat/completions")]
    [InlineData("/v1/%2e%2e/admin", "/admin")]
    [InlineData("/../../etc", "/etc")]
    [InlineData("/v1/chat/", "/v1/chat/")]
    [InlineData("/v1/chat/.", "/v1/chat/")]
    [InlineData("/", "/")]
    [InlineData("https://app.example.com/v1/chat/completions?x=1", "/v1/chat/completions")]
    public void Paths_are_decoded_and_normalised(string target, string expected)
    {
        Assert.True(OriginalPath.TryNormalize(target, out var path));
        Assert.Equal(expected, path);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1/chat")]
    [InlineData("ftp://example.com/v1/chat")]
    [InlineData("/v1/chat%00/x")]
    public void Anything_but_a_path_or_an_http_url_is_refused(string? target) =>
        Assert.False(OriginalPath.TryNormalize(target, out _));
}
