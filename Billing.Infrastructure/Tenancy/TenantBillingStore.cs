using Billing.Domain.Catalog;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// Loads a tenant's plan (with its overrides), billing anchor and invoicing state, cached in process for a few
/// seconds: every metered request needs it, and it changes only with plan changes, overrides and invoices.
/// The database context is taken from the request's services only on a cache miss: renting one from the pool on every
/// request, only to answer from the cache, is a measurable share of a metered request. While PostgreSQL is unreachable
/// the last view loaded is served (<see cref="LastKnownValues"/>), so metered requests go on through the usage stream.
/// </summary>
public sealed class TenantBillingStore(
    IServiceProvider services, BillingCatalog catalog, IMemoryCache cache, SingleFlight loads, LastKnownValues lastKnown, ILogger<TenantBillingStore> logger)
{
    /// <summary>How stale a cached view may be; a change made through this process evicts it at once.</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(5);

    private static readonly string[] FinalizedStatuses = ["open", "paid", "void", "uncollectible"];

    public async Task<TenantBilling?> GetAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(tenantId), out TenantBilling? cached))
        {
            return cached;
        }

        return await loads.RunAsync(CacheKey(tenantId), async () =>
        {
            var loaded = await lastKnown.LoadAsync(CacheKey(tenantId), () => LoadAsync(tenantId, CancellationToken.None));
            if (loaded is not null)
            {
                cache.Set(CacheKey(tenantId), loaded, CacheDuration);
            }

            return loaded;
        });
    }

    /// <summary>Evict it (through <c>CacheInvalidation</c>) after the tenant's plan, overrides, subscription or invoices changed.</summary>
    public static string CacheKey(Guid tenantId) => $"tenant-billing:{tenantId:N}";

    private async Task<TenantBilling?> LoadAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<BillingDbContext>();
        var subscription = await db.Subscriptions.AsNoTracking()
            .Where(s => s.TenantId == tenantId)
            .Join(db.Tenants, s => s.TenantId, t => t.Id, (s, t) => new { s.Plan, s.Status, s.BillingAnchor, s.PaymentFailedAt, TenantStatus = t.Status, t.Overrides })
            .FirstOrDefaultAsync(cancellationToken);
        if (subscription is null || !PlanTiers.TryParse(subscription.Plan, out var tier))
        {
            return null;
        }

        var invoicedThrough = await db.Invoices.AsNoTracking()
            .Where(i => i.TenantId == tenantId && FinalizedStatuses.Contains(i.Status))
            .MaxAsync(i => (DateTimeOffset?)i.PeriodEnd, cancellationToken);
        var (plan, overrides, error) = TenantOverridesJson.Apply(catalog, tier, subscription.Overrides);
        if (error is not null)
        {
            logger.LogError(error, "The overrides of tenant {TenantId} are invalid for the {Plan} plan; its catalog plan applies", tenantId, tier.ToKey());
        }

        return new TenantBilling(tenantId, tier, plan, catalog.Plan(PlanTier.Free), subscription.TenantStatus,
            subscription.Status, subscription.BillingAnchor, subscription.PaymentFailedAt, invoicedThrough, overrides is not null);
    }
}
