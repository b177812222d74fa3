using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;

namespace Billing.Api.Tests.Auth;

public sealed class RateLimitingTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Past_its_burst_a_key_gets_429_problems_while_another_key_is_unaffected()
    {
        var (_, busy) = await api.CreateTenantWithKeyAsync(name: "busy");
        var (_, calm) = await api.CreateTenantWithKeyAsync(name: "calm");
        await using var limited = api.WithWebHostBuilder(b => b
            .UseSetting("RateLimiting:PermitsPerSecond", "1")
            .UseSetting("RateLimiting:Burst", "5"));
        using var http = limited.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", busy);
        using var other = limited.CreateClient();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", calm);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await http.GetAsync("/api/v1/usage", TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        var calmResponse = await other.GetAsync("/api/v1/usage", TestContext.Current.CancellationToken);

        // A sixth token may be replenished if the eight calls span a second on a loaded machine.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 5, 6);
        Assert.NotNull(refused);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/rate-limited", (await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("type").GetString());
        Assert.True(refused.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, calmResponse.StatusCode);
    }
}
