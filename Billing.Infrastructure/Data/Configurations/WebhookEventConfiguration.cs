using Billing.Infrastructure.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> builder)
    {
        builder.ToTable("webhook_events");
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.StripeEventId).HasMaxLength(255);
        builder.Property(e => e.Type).HasMaxLength(100);
        builder.Property(e => e.ApiVersion).HasMaxLength(64);
        builder.Property(e => e.Payload).HasColumnType("jsonb");
        builder.Property(e => e.Status).HasMaxLength(16);
        // A repeated delivery hits this index and is acknowledged without processing.
        builder.HasIndex(e => e.StripeEventId).IsUnique();
        builder.HasIndex(e => e.Id).HasFilter("status = 'received'").HasDatabaseName("ix_webhook_events_pending");
    }
}
