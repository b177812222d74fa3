using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class InvoiceLineConfiguration : IEntityTypeConfiguration<InvoiceLine>
{
    public void Configure(EntityTypeBuilder<InvoiceLine> builder)
    {
        builder.ToTable("invoice_lines");
        builder.Property(l => l.StripeLineId).HasMaxLength(255);
        builder.Property(l => l.Description).HasMaxLength(500);
        builder.Property(l => l.Metric).HasMaxLength(32);
        // Stripe's unit_amount_decimal carries up to 12 decimal places of a cent.
        builder.Property(l => l.UnitAmountDecimal).HasPrecision(30, 12);
        builder.HasIndex(l => new { l.InvoiceId, l.StripeLineId }).IsUnique();
        builder.HasIndex(l => l.TenantId);
    }
}
