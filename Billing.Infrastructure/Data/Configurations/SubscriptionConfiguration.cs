using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> builder)
    {
        builder.ToTable("subscriptions");
        builder.Property(s => s.Plan).HasMaxLength(32);
        builder.Property(s => s.PendingPlan).HasMaxLength(32);
        builder.Property(s => s.Status).HasMaxLength(32);
        builder.Property(s => s.StripeSubscriptionId).HasMaxLength(255);
        builder.Property(s => s.CollectionMethod).HasMaxLength(32).HasDefaultValue("charge_automatically");
        builder.Property(s => s.PaymentMethodId).HasMaxLength(255);
        builder.Property(s => s.PaymentMethodBrand).HasMaxLength(32);
        builder.Property(s => s.PaymentMethodLast4).HasMaxLength(4);
        builder.HasIndex(s => s.StripeSubscriptionId).IsUnique();
        // One subscription per tenant: plan changes update it, Stripe's history stays in Stripe.
        builder.HasIndex(s => s.TenantId).IsUnique();
        builder.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
