using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Metering;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class UsageEventConfiguration : IEntityTypeConfiguration<UsageEvent>
{
    public void Configure(EntityTypeBuilder<UsageEvent> builder)
    {
        builder.ToTable("usage_events");
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.EventId).HasMaxLength(UsageEventColumns.EventIdMaxLength);
        builder.Property(e => e.Metric).HasMaxLength(UsageEventColumns.MetricMaxLength);
        builder.Property(e => e.Properties).HasColumnType("jsonb");
        builder.Property(e => e.ReceivedAt).HasDefaultValueSql("now()");
        builder.Property(e => e.TraceParent).HasMaxLength(UsageEventColumns.TraceParentMaxLength);
        // No index on (tenant_id, event_id): duplicates are decided in usage_event_ids (migration EventIdsTable), whose
        // ids expire, so that no index of random client ids grows with the history (docs/database.md).
        // Period usage per tenant and metric (the usage API and the Redis rebuild).
        builder.HasIndex(e => new { e.TenantId, e.Metric, e.OccurredAt });
        // The aggregator claims unmarked events only; the partial index stays small.
        builder.HasIndex(e => e.Id).HasFilter("aggregated_at IS NULL").HasDatabaseName("ix_usage_events_unaggregated");
        // Reads add a tenant's events not folded yet (and its set-aside ones) to its windows: this index holds only those.
        builder.HasIndex(e => new { e.TenantId, e.Metric, e.OccurredAt }, "ix_usage_events_pending_by_tenant").HasFilter("aggregated_at IS NULL");
        builder.Property(e => e.SetAsideReason).HasMaxLength(UsageEventColumns.SetAsideReasonMaxLength);
        // The operator's list of set-aside events, newest first; a handful of rows, however large the table.
        builder.HasIndex(e => e.Id, "ix_usage_events_set_aside").HasFilter("set_aside_at IS NOT NULL");
    }
}
