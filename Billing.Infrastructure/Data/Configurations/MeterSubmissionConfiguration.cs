using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class MeterSubmissionConfiguration : IEntityTypeConfiguration<MeterSubmission>
{
    public void Configure(EntityTypeBuilder<MeterSubmission> builder)
    {
        builder.ToTable("meter_submissions");
        builder.Property(s => s.Id).UseIdentityAlwaysColumn();
        builder.Property(s => s.Metric).HasMaxLength(32);
        builder.Property(s => s.Identifier).HasMaxLength(100);
        builder.Property(s => s.Status).HasMaxLength(16);
        builder.Property(s => s.TraceParent).HasMaxLength(64);
        builder.HasIndex(s => s.Identifier).IsUnique();
        builder.HasIndex(s => new { s.TenantId, s.Metric, s.BucketStart, s.Revision }).IsUnique();
        builder.HasIndex(s => new { s.TenantId, s.Metric, s.EventTimestamp });
        builder.HasIndex(s => s.NextAttemptAt, "ix_meter_submissions_pending").HasFilter("status = 'pending'");
    }
}
