using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// What every shipped nginx configuration answers alike, whether it asks the billing API per request (auth_request) or
/// counts from leases: the authorizer's denials reach the client as they are, and the service is never called.
/// </summary>
public abstract class NginxGatewaySpecifications
{
    /// <summary>The configuration under test, with its two API replicas and counting service.</summary>
    protected abstract NginxGatewayFixture Gateway { get; }

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    protected static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";

    protected static Task<HttpResponseMessage> ChatAsync(HttpClient http) => http.PostAsync("/v1/chat/completions", new StringContent("{}"), Cancel);

    /// <summary>
    /// A tenant 37 calls below its hard cap sends 200 requests at once through nginx: exactly 37 are let through and
    /// reach the service, the other 163 get 429. Returns the tenant, for what each configuration records.
    /// </summary>
    protected async Task<(Guid TenantId, string Key)> ExactlyThirtySevenOfTwoHundredAsync()
    {
        var (tenantId, key) = await Gateway.Api.CreateTenantWithKeyAsync("free");
        await Gateway.Api.SeedUsageAsync(tenantId, "api_calls", 10_000 - 37);
        using var http = Gateway.Client(key);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await ChatAsync(http);
            return response.StatusCode;
        }));

        Assert.True(statuses.All(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests),
            string.Join(",", statuses.Distinct()) + "\n" + File.ReadAllText(Gateway.Nginx.ErrorLogPath));
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) == 37,
            $"{statuses.Count(s => s == HttpStatusCode.OK)} let through\n{File.ReadAllText(Gateway.Nginx.ErrorLogPath)}");
        Assert.Equal(163, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(37, Gateway.ReceivedWith(key).Count);
        return (tenantId, key);
    }

    [Fact]
    public async Task Past_a_hard_cap_the_client_gets_429_with_retry_after_and_a_problem_and_the_service_is_never_called()
    {
        var (tenantId, key) = await Gateway.Api.CreateTenantWithKeyAsync("free");
        await Gateway.Api.SeedUsageAsync(tenantId, "api_calls", 10_000);
        using var http = Gateway.Client(key);

        using var response = await ChatAsync(http);

        await Gateway.AssertOverHardCapAsync(response, key);
    }

    [Fact]
    public async Task A_cancelled_subscription_gets_402_and_the_service_is_never_called()
    {
        var key = await Gateway.CancelledTenantKeyAsync();
        using var http = Gateway.Client(key);
        using var response = await ChatAsync(http);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.EndsWith("/subscription-inactive", problem.GetProperty("type").GetString());
        Assert.Empty(Gateway.ReceivedWith(key));
    }
}
