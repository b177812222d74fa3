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
            if (!ApiKeySecrets.IsWellFormed(key))
            {
                // The API refuses a malformed key without looking it up: a demo key it cannot accept would never sign in.
                throw new InvalidOperationException($"Seed:DemoApiKey must be '{ApiKeySecrets.KeyPrefix}' followed by "
                    + $"{ApiKeySecrets.MinSecretLength} to {ApiKeySecrets.MaxSecretLength} letters, digits, '-' or '_'.");
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
                    // The dashboard's one-click sign-in needs read and manage; the demo also sends usage.
                    Scopes = [.. ApiScopes.All],
                    CreatedAt = now,
                });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
