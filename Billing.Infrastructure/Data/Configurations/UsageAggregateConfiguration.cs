using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class UsageAggregateConfiguration : IEntityTypeConfiguration<UsageAggregate>
{
    public void Configure(EntityTypeBuilder<UsageAggregate> builder)
    {
        builder.ToTable("usage_aggregates");
        // The upsert target of aggregation: ON CONFLICT (tenant_id, metric, window_start) DO UPDATE.
        builder.HasKey(a => new { a.TenantId, a.Metric, a.WindowStart });
        builder.Property(a => a.Metric).HasMaxLength(32);
        builder.Property(a => a.TraceParent).HasMaxLength(64);
        builder.HasIndex(a => a.WindowStart);
        // The submission step looks only at changed windows.
        builder.HasIndex(a => a.WindowStart, "ix_usage_aggregates_submission_pending").HasFilter("submission_pending");
    }
}
