using Billing.Infrastructure.Data;

namespace Billing.Infrastructure.Tests.Data;

public sealed class SnakeCaseNamingTests
{
    [Theory]
    [InlineData("TenantId", "tenant_id")]
    [InlineData("Id", "id")]
    [InlineData("IX_UsageEvents_TenantId_EventId", "ix_usage_events_tenant_id_event_id")]
    [InlineData("PK_api_keys", "pk_api_keys")]
    [InlineData("StripeCustomerId", "stripe_customer_id")]
    public void Names_become_snake_case(string name, string expected) =>
        Assert.Equal(expected, SnakeCaseNaming.ToSnakeCase(name));
}
