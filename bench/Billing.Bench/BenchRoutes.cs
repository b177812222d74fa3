using Billing.Api;
using Billing.Api.Auth;
using Billing.Api.Enforcement;
using Billing.Api.Llm;
using Billing.Api.Usage;
using Billing.Domain.Catalog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Billing.Bench;

/// <summary>
/// A second API process (same services, same pipeline, same stores) serving the routes that exist only to be compared:
/// the example LLM route plain and behind <c>RequireQuota</c>, and a ceiling for single-event ingestion.
/// </summary>
public sealed class BenchRoutes : IAsyncDisposable
{
    public const string Plain = "/bench/plain/completions";
    public const string Metered = "/bench/metered/completions";

    /// <summary>Takes what <c>POST /usage/events</c> takes, authenticated the same way, reads the body and stores nothing.</summary>
    public const string Ceiling = "/bench/ceiling/events";

    private readonly WebApplication _app;

    private BenchRoutes(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public static async Task<BenchRoutes> StartAsync(BenchmarkHost host)
    {
        var builder = WebApplication.CreateBuilder([]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:billingdb"] = host.ApiConnectionString,
            ["ConnectionStrings:redis"] = host.RedisConnectionString,
            ["Auth:OperatorKey"] = BenchmarkHost.OperatorKey,
            ["RateLimiting:PermitsPerSecond"] = "10000000",
            ["RateLimiting:Burst"] = "10000000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddServiceDefaults();
        builder.AddApiServices();
        var app = builder.Build();
        app.UseApiPipeline();
        app.MapGroup("/bench/plain").RequireAuthorization(AuthPolicies.Tenant).MapPost("/completions", Complete);
        app.MapGroup("/bench/metered").RequireAuthorization(AuthPolicies.Tenant)
            .RequireQuota(Metric.ApiCalls)
            .RequireQuota(Metric.LlmTokens, QuotaAmount.ReportedByHandler)
            .MapPost("/completions", Complete);
        app.MapGroup("/bench/ceiling").RequireAuthorization(AuthPolicies.Tenant).MapPost("/events", DiscardAsync);
        await app.StartAsync();
        return new BenchRoutes(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // The API's own handler, called through a lambda of this assembly (the route analyzer trips over a foreign method group).
    private static CompletionResponse Complete(CompletionRequest request, HttpContext context) => LlmEndpoints.Complete(request, context);

    private static async Task<Ok<IngestUsageResponse>> DiscardAsync(HttpRequest request)
    {
        while (true)
        {
            var read = await request.BodyReader.ReadAsync();
            request.BodyReader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return TypedResults.Ok(new IngestUsageResponse(1, 0, []));
            }
        }
    }
}
