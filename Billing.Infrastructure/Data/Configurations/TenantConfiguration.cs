using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> builder)
    {
        builder.ToTable("tenants");
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.Plan).HasMaxLength(32);
        builder.Property(t => t.Status).HasMaxLength(16);
        builder.Property(t => t.StripeCustomerId).HasMaxLength(255);
        builder.Property(t => t.Overrides).HasColumnType("jsonb");
        builder.Property(t => t.AlertWebhookUrl).HasMaxLength(2048);
        builder.Property(t => t.AlertWebhookSecret).HasMaxLength(128);
        builder.HasIndex(t => t.StripeCustomerId).IsUnique();
        builder.HasIndex(t => t.Name);
    }
}
