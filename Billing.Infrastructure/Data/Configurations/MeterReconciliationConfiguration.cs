using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class MeterReconciliationConfiguration : IEntityTypeConfiguration<MeterReconciliation>
{
    public void Configure(EntityTypeBuilder<MeterReconciliation> builder)
    {
        builder.ToTable("meter_reconciliations");
        builder.HasKey(r => new { r.TenantId, r.Metric, r.PeriodStart });
        builder.Property(r => r.Metric).HasMaxLength(32);
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.HasIndex(r => r.CheckedAt).IsDescending();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
