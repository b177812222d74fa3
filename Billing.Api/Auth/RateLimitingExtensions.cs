using System.Globalization;
using System.Threading.RateLimiting;
using Billing.Api.Problems;
using Microsoft.AspNetCore.RateLimiting;

namespace Billing.Api.Auth;

/// <summary>Rate limiting per API key with ASP.NET Core's limiter; a refused request gets a 429 problem.</summary>
public static class RateLimitingExtensions
{
    /// <summary>A token bucket per tenant key (the operator has one, anonymous callers one per address).</summary>
    public static WebApplicationBuilder AddPerKeyRateLimiting(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RateLimitingOptions.SectionName).Get<RateLimitingOptions>() ?? new RateLimitingOptions();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? Math.Ceiling(retry.TotalSeconds) : 1)
                    .ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.RateLimited,
                    title: "Too many requests", detail: $"This key may send {options.PermitsPerSecond} requests a second (bursts of {options.Burst}).")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return builder;
    }

    private static string PartitionKey(HttpContext context) =>
        context.User.FindFirst(AuthPolicies.KeyClaim)?.Value is { } key ? $"key:{key}"
        : context.User.FindFirst(AuthPolicies.RoleClaim)?.Value == AuthPolicies.Operator ? "operator"
        : $"address:{context.Connection.RemoteIpAddress}";
}
