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
        builder.HasIndex(s => s.Identifier).IsUnique();
        builder.HasIndex(s => new { s.TenantId, s.Metric, s.BucketStart }).IsUnique();
        builder.HasIndex(s => s.CreatedAt).HasFilter("status <> 'sent'").HasDatabaseName("ix_meter_submissions_unsent");
    }
}
