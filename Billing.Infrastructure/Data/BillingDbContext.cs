using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Billing.Infrastructure.Data;

/// <summary>The billing database: snake_case tables, timestamptz times, bigint quantities, integer cents.</summary>
public sealed class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<UsageEvent> UsageEvents => Set<UsageEvent>();
    public DbSet<UsageAggregate> UsageAggregates => Set<UsageAggregate>();
    public DbSet<MeterSubmission> MeterSubmissions => Set<MeterSubmission>();
    public DbSet<MeterReconciliation> MeterReconciliations => Set<MeterReconciliation>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceLine> InvoiceLines => Set<InvoiceLine>();
    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();
    public DbSet<UsageAlert> UsageAlerts => Set<UsageAlert>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<WorkerHeartbeat> WorkerHeartbeats => Set<WorkerHeartbeat>();
    public DbSet<StripeCatalogEntry> StripeCatalog => Set<StripeCatalogEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BillingDbContext).Assembly);
        modelBuilder.UseSnakeCaseNames();
    }
}
