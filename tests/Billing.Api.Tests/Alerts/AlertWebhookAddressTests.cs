using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Tests.Alerts;

/// <summary>
/// Where a tenant may send its alerts: outside Development an https URL to a public address. Addresses written out
/// are checked when the settings are saved (names are checked on what they resolve to at each delivery).
/// </summary>
public sealed class AlertWebhookAddressTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task<(Guid TenantId, HttpClient Http)> ProductionTenantAsync()
    {
        var production = api.WithWebHostBuilder(b => b.UseEnvironment("Production"));
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        return (tenantId, production.ClientWithKey(key));
    }

    private async Task<string?> StoredUrlAsync(Guid tenantId)
    {
        await using var db = api.CreateDbContext();
        return await db.Tenants.Where(t => t.Id == tenantId).Select(t => t.AlertWebhookUrl).SingleAsync(TestContext.Current.CancellationToken);
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "plain http", "http://hooks.example.com/billing" },
        { "loopback", "https://127.0.0.1/hook" },
        { "localhost", "https://localhost:8443/hook" },
        { "cloud metadata", "https://169.254.169.254/latest/meta-data" },
        { "private IPv4", "https://10.0.0.5/hook" },
        { "IPv6 loopback", "https://[::1]/hook" },
        { "NAT64 of loopback", "https://[64:ff9b::7f00:1]/hook" },
        { "NAT64 of a public address", "https://[64:ff9b::808:808]/hook" },
        { "6to4", "https://[2002:a9fe:a9fe::1]/hook" },
        { "Teredo", "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook" },
        { "IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/hook" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Outside_development_only_https_to_a_public_address_is_saved(string because, string url)
    {
        var (tenantId, http) = await ProductionTenantAsync();

        var response = await http.PutAsJsonAsync("/api/v1/alerts/settings", new { webhookUrl = url, spendLimitCents = (long?)null }, TestContext.Current.CancellationToken);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("webhookUrl", out _), $"{because}: {problem}");
        Assert.Null(await StoredUrlAsync(tenantId));
        http.Dispose();
    }

    [Theory]
    [InlineData("https://hooks.example.com/billing")]
    [InlineData("https://[2606:4700::1111]/hook")]
    [InlineData("https://93.184.215.14/hook")]
    public async Task Outside_development_an_https_url_to_a_public_address_is_saved(string url)
    {
        var (tenantId, http) = await ProductionTenantAsync();

        var response = await http.PutAsJsonAsync("/api/v1/alerts/settings", new { webhookUrl = url, spendLimitCents = (long?)null }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(url, await StoredUrlAsync(tenantId));
        http.Dispose();
    }

    [Fact]
    public async Task In_development_plain_http_is_allowed_for_a_local_receiver_name()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync();
        using var http = api.CreateClient(key);

        var response = await http.PutAsJsonAsync("/api/v1/alerts/settings",
            new { webhookUrl = "http://hooks.example.com/billing", spendLimitCents = (long?)null }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("http://hooks.example.com/billing", await StoredUrlAsync(tenantId));
    }
}
