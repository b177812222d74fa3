using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Billing.Api.Auth;
using Billing.Api.Enforcement;
using Billing.Domain.Catalog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// A metered handler that reported usage and then failed has still done (and paid for) that work: the tokens it
/// reported are recorded, and only the call reserved up front is given back.
/// </summary>
public sealed class FailedHandlerUsageTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const long Tokens = 40;

    /// <summary>The API's services and pipeline with routes that report tokens, then fail.</summary>
    private async Task<WebApplication> StartFailingRoutesAsync()
    {
        var builder = WebApplication.CreateBuilder([]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = api.Database.Api,
            ["ConnectionStrings:redis"] = api.RedisConnectionString,
            ["Auth:OperatorKey"] = ApiFactory.OperatorKey,
        });
        builder.AddServiceDefaults();
        builder.AddApiServices();
        var app = builder.Build();
        app.UseApiPipeline();
        var group = app.MapGroup("/failing").RequireAuthorization(AuthPolicies.Tenant)
            .RequireQuota(Metric.ApiCalls)
            .RequireQuota(Metric.LlmTokens, QuotaAmount.ReportedByHandler);
        group.MapPost("/throws", ThrowAfterReporting);
        group.MapPost("/answers-500", AnswerErrorAfterReporting);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    private static IResult ThrowAfterReporting(HttpContext context)
    {
        context.ReportUsage(Metric.LlmTokens, Tokens);
        throw new InvalidOperationException("the model's answer was lost after it was generated");
    }

    private static IResult AnswerErrorAfterReporting(HttpContext context)
    {
        context.ReportUsage(Metric.LlmTokens, Tokens);
        return Results.StatusCode(StatusCodes.Status502BadGateway);
    }

    [Theory]
    [InlineData("/failing/throws", HttpStatusCode.InternalServerError)]
    [InlineData("/failing/answers-500", HttpStatusCode.BadGateway)]
    public async Task The_tokens_reported_before_a_failure_are_recorded_and_the_call_is_given_back(string path, HttpStatusCode status)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using var app = await StartFailingRoutesAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var response = await http.PostAsync(path, JsonContent.Create(new { }), TestContext.Current.CancellationToken);
        await ApiFactory.UsageDrainedAsync(app.Services);

        Assert.Equal(status, response.StatusCode);
        await using var db = api.CreateDbContext();
        var recorded = await db.UsageEvents.Where(e => e.TenantId == tenantId).GroupBy(e => e.Metric)
            .ToDictionaryAsync(g => g.Key, g => g.Sum(e => e.Value), TestContext.Current.CancellationToken);
        Assert.Equal(Tokens, recorded.GetValueOrDefault("llm_tokens"));
        Assert.Equal(0, recorded.GetValueOrDefault("api_calls"));
        using var tenant = api.CreateClient(key);
        var usage = await tenant.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/usage", TestContext.Current.CancellationToken);
        var metrics = usage.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("metric").GetString()!, m => m.GetProperty("used").GetInt64());
        Assert.Equal(Tokens, metrics["llm_tokens"]);
        Assert.Equal(0, metrics["api_calls"]);
    }
}
