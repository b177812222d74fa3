using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class StripeCatalogEntryConfiguration : IEntityTypeConfiguration<StripeCatalogEntry>
{
    public void Configure(EntityTypeBuilder<StripeCatalogEntry> builder)
    {
        builder.ToTable("stripe_catalog");
        builder.HasKey(e => e.LookupKey);
        builder.Property(e => e.LookupKey).HasMaxLength(200);
        builder.Property(e => e.Kind).HasMaxLength(16);
        builder.Property(e => e.Plan).HasMaxLength(32);
        builder.Property(e => e.Metric).HasMaxLength(32);
        builder.Property(e => e.StripeId).HasMaxLength(255);
        builder.Property(e => e.ProductId).HasMaxLength(255);
        // Webhooks map an invoice line's price back to its plan and metric.
        builder.HasIndex(e => e.StripeId);
    }
}
