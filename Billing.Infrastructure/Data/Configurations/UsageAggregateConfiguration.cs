using Billing.Domain.Metering;
using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class UsageAggregateConfiguration : IEntityTypeConfiguration<UsageAggregate>
{
    public const string ValueWithinPeriodTotal = "ck_usage_aggregates_value_within_period_total";

    public void Configure(EntityTypeBuilder<UsageAggregate> builder)
    {
        // A window holds at most what a whole period may (UsageEventRules.MaxPeriodTotal): a fold past it fails with this
        // constraint's name, and the aggregator sets the events that caused it aside instead of failing everyone's batch.
        builder.ToTable("usage_aggregates", t => t.HasCheckConstraint(ValueWithinPeriodTotal, $"value <= {UsageEventRules.MaxPeriodTotal}"));
        // The upsert target of aggregation: ON CONFLICT (tenant_id, metric, window_start) DO UPDATE.
        builder.HasKey(a => new { a.TenantId, a.Metric, a.WindowStart });
        builder.Property(a => a.Metric).HasMaxLength(32);
        builder.Property(a => a.TraceParent).HasMaxLength(64);
        builder.HasIndex(a => a.WindowStart);
        // The submission step looks only at changed windows.
        builder.HasIndex(a => a.WindowStart, "ix_usage_aggregates_submission_pending").HasFilter("submission_pending");
    }
}
