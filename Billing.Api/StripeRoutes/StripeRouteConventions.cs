using System.Globalization;
using Billing.Api.Auth;
using Billing.Api.Problems;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Limits;
using Billing.Infrastructure.Redis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Api.StripeRoutes;

/// <summary>
/// Conventions for the tenant routes that call Stripe: a per-tenant request budget shared by every replica, a short
/// per-tenant cache for answers that may be a little stale, and plan changes run one at a time per tenant.
/// </summary>
public static class StripeRouteConventions
{
    /// <summary>The cache name of the invoice preview, dropped everywhere after a plan change.</summary>
    public const string InvoicePreview = "invoice-preview";

    /// <summary>
    /// Each request takes one token from the tenant's bucket (<see cref="StripeRouteOptions.RequestsPerMinute"/>,
    /// <see cref="StripeRouteOptions.Burst"/>); without one it is a 429 with <c>Retry-After</c>, and Stripe is not called.
    /// </summary>
    public static TBuilder RequireStripeCallBudget<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var services = invocation.HttpContext.RequestServices;
            var options = services.GetRequiredService<IOptions<StripeRouteOptions>>().Value;
            var tenantId = services.GetRequiredService<CurrentTenant>().RequiredTenantId;
            var bucket = new TokenBuckets.Bucket(options.Burst, options.RequestsPerMinute, TimeSpan.FromMinutes(1));
            if (await services.GetRequiredService<TokenBuckets>().TakeAsync(RedisKeys.StripeCalls(tenantId), bucket, 1) is not { } wait)
            {
                return await next(invocation);
            }

            var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
            invocation.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, type: ProblemTypes.RateLimited,
                title: "Too many requests to Stripe-backed routes",
                detail: $"Plan changes, cancellations and invoice previews call Stripe, whose account all tenants share: a tenant may make "
                    + $"{options.RequestsPerMinute} such requests a minute (bursts of {options.Burst}). Try again in {seconds} s.");
        });

    /// <summary>
    /// Answers from this replica's cache for <see cref="StripeRouteOptions.PreviewCacheSeconds"/> after a 200, per tenant;
    /// apply before <see cref="RequireStripeCallBudget"/> so that a cached answer costs no budget.
    /// </summary>
    public static TBuilder CachedPerTenant<TBuilder>(this TBuilder builder, string name) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var services = invocation.HttpContext.RequestServices;
            var cache = services.GetRequiredService<IMemoryCache>();
            var key = CacheKey(name, services.GetRequiredService<CurrentTenant>().RequiredTenantId);
            if (cache.TryGetValue(key, out var cached))
            {
                return cached;
            }

            var result = await next(invocation);
            var seconds = services.GetRequiredService<IOptions<StripeRouteOptions>>().Value.PreviewCacheSeconds;
            // A Results<…> union carries the result that ran.
            if (seconds > 0 && (result is INestedHttpResult nested ? nested.Result : result) is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
            {
                cache.Set(key, result, TimeSpan.FromSeconds(seconds));
            }

            return result;
        });

    /// <summary>
    /// Runs the endpoint for one tenant at a time across every replica (a PostgreSQL advisory lock held for the request),
    /// so two plan changes never interleave their Stripe calls (two subscriptions created, a swap undone); a request that
    /// waits longer than <see cref="StripeRouteOptions.PlanChangeWaitSeconds"/> is a 409. Afterwards the tenant's cached
    /// invoice preview is dropped in every replica.
    /// </summary>
    public static TBuilder SerializedPlanChange<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var services = invocation.HttpContext.RequestServices;
            var tenantId = services.GetRequiredService<CurrentTenant>().RequiredTenantId;
            var wait = services.GetRequiredService<IOptions<StripeRouteOptions>>().Value.PlanChangeWaitSeconds;
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(invocation.HttpContext.RequestAborted);
            await using var transaction = await connection.BeginTransactionAsync(invocation.HttpContext.RequestAborted);
            await using (var @lock = new NpgsqlCommand(
                $"SET LOCAL lock_timeout = '{wait}s'; SELECT pg_advisory_xact_lock(hashtextextended('plan-change:' || @tenant, 0))", connection, transaction))
            {
                @lock.Parameters.AddWithValue("tenant", tenantId.ToString("N"));
                try
                {
                    await @lock.ExecuteNonQueryAsync(invocation.HttpContext.RequestAborted);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
                {
                    invocation.HttpContext.Response.Headers.RetryAfter = "1";
                    return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PlanChangeInProgress,
                        title: "Plan change in progress",
                        detail: $"Another plan change or cancellation of this tenant has been running for more than {wait} s; try again once it is done.");
                }
            }

            try
            {
                return await next(invocation);
            }
            finally
            {
                await services.GetRequiredService<CacheInvalidation>().EvictEverywhereAsync(CacheKey(InvoicePreview, tenantId));
                // Ending the transaction releases the lock; so would a connection lost on the way.
                await transaction.CommitAsync(CancellationToken.None);
            }
        });

    private static string CacheKey(string name, Guid tenantId) => $"{name}:{tenantId:N}";

    /// <summary>The <c>StripeRoutes</c> options; the routes also need <see cref="TokenBuckets"/> (registered with metering).</summary>
    public static WebApplicationBuilder AddStripeRouteLimits(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<StripeRouteOptions>(builder.Configuration.GetSection(StripeRouteOptions.SectionName));
        return builder;
    }
}
