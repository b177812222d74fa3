using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.MigrationService;

/// <summary>Seeds a demo tenant on Standard, once: a second run finds it by its fixed id and adds nothing.</summary>
public sealed class DemoTenantSeeder(BillingDbContext db, TimeProvider clock, IOptions<SeedOptions> options, ILogger<DemoTenantSeeder> logger)
{
    public static readonly Guid DemoTenantId = Guid.Parse("0194b3a0-0000-7000-8000-00000000d3e0");
    public const string DemoTenantName = "Demo Tenant";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!await db.Tenants.AnyAsync(t => t.Id == DemoTenantId, cancellationToken))
        {
            var plan = PlanTier.Standard.ToKey();
            var period = BillingPeriod.Containing(now, now);
            db.Tenants.Add(new Tenant { Id = DemoTenantId, Name = DemoTenantName, Plan = plan, CreatedAt = now, UpdatedAt = now });
            db.Subscriptions.Add(new Subscription
            {
                Id = Guid.CreateVersion7(),
                TenantId = DemoTenantId,
                Plan = plan,
                Status = "active",
                BillingAnchor = now,
                CurrentPeriodStart = period.Start,
                CurrentPeriodEnd = period.End,
                CreatedAt = now,
                UpdatedAt = now,
            });
            logger.LogInformation("Seeded the demo tenant {TenantId} on {Plan}", DemoTenantId, plan);
        }

        if (options.Value.DemoApiKey is { Length: > 0 } key)
        {
            if (!key.StartsWith(ApiKeySecrets.KeyPrefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Seed:DemoApiKey must start with '{ApiKeySecrets.KeyPrefix}'.");
            }

            var hash = ApiKeySecrets.Hash(key);
            if (!await db.ApiKeys.AnyAsync(k => k.Hash == hash, cancellationToken))
            {
                db.ApiKeys.Add(new ApiKey
                {
                    Id = Guid.CreateVersion7(),
                    TenantId = DemoTenantId,
                    Name = "demo",
                    Prefix = key[..ApiKeySecrets.VisiblePrefixLength],
                    Hash = hash,
                    CreatedAt = now,
                });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
