using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Infrastructure.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        // The database refuses a key without a scope or with one the API does not know, whatever wrote it.
        builder.ToTable("api_keys", table => table.HasCheckConstraint("ck_api_keys_scopes",
            $"cardinality(scopes) > 0 AND scopes <@ ARRAY[{string.Join(", ", ApiScopes.All.Select(scope => $"'{scope}'"))}]::text[]"));
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.Prefix).HasMaxLength(16);
        builder.Property(k => k.Hash).HasMaxLength(32);
        // Every authenticated request looks its key up by hash.
        builder.HasIndex(k => k.Hash).IsUnique();
        builder.HasIndex(k => k.TenantId);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(k => k.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
