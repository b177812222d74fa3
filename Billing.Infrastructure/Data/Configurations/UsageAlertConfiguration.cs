using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class UsageAlertConfiguration : IEntityTypeConfiguration<UsageAlert>
{
    public void Configure(EntityTypeBuilder<UsageAlert> builder)
    {
        builder.ToTable("usage_alerts");
        builder.Property(a => a.Kind).HasMaxLength(16);
        builder.Property(a => a.Metric).HasMaxLength(32);
        builder.Property(a => a.DeliveryStatus).HasMaxLength(16);
        // One alert per threshold per period; NULLS NOT DISTINCT so spend alerts (no metric) are unique too.
        builder.HasIndex(a => new { a.TenantId, a.Kind, a.Metric, a.ThresholdPercent, a.PeriodStart })
            .IsUnique().AreNullsDistinct(false);
        builder.HasIndex(a => a.NextAttemptAt).HasFilter("delivery_status = 'pending'").HasDatabaseName("ix_usage_alerts_pending");
        builder.HasIndex(a => new { a.TenantId, a.CreatedAt }).IsDescending(false, true);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
