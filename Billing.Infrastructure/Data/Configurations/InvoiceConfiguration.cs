using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> builder)
    {
        builder.ToTable("invoices");
        builder.Property(i => i.StripeInvoiceId).HasMaxLength(255);
        builder.Property(i => i.Number).HasMaxLength(64);
        builder.Property(i => i.Status).HasMaxLength(32);
        builder.Property(i => i.Currency).HasMaxLength(3).IsFixedLength();
        builder.Property(i => i.HostedInvoiceUrl).HasMaxLength(2048);
        builder.Property(i => i.InvoicePdfUrl).HasMaxLength(2048);
        builder.HasIndex(i => i.StripeInvoiceId).IsUnique();
        // The invoice list pages newest first per tenant.
        builder.HasIndex(i => new { i.TenantId, i.PeriodStart }).IsDescending(false, true);
        builder.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
