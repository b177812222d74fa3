using Billing.Domain.Quotas;

namespace Billing.Domain.Tests.Quotas;

public sealed class StandingPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("active", "active", null, 7, Standing.Active)]
    [InlineData("active", "trialing", null, 7, Standing.Active)]
    [InlineData("suspended", "active", null, 7, Standing.Blocked)]
    [InlineData("cancelled", "active", null, 7, Standing.Blocked)]
    [InlineData("active", "canceled", null, 7, Standing.Blocked)]
    [InlineData("active", "past_due", 0.0, 7, Standing.InPaymentGrace)]
    [InlineData("active", "past_due", 6.99, 7, Standing.InPaymentGrace)]
    [InlineData("active", "past_due", 7.0, 7, Standing.PastPaymentGrace)]
    [InlineData("active", "past_due", 13.0, 14, Standing.InPaymentGrace)]
    [InlineData("active", "past_due", 15.0, 14, Standing.PastPaymentGrace)]
    [InlineData("active", "past_due", 0.01, 0, Standing.PastPaymentGrace)]
    public void Standing_follows_statuses_and_the_payment_grace(
        string tenantStatus, string subscriptionStatus, double? daysSinceFailure, int graceDays, Standing expected)
    {
        DateTimeOffset? failedAt = daysSinceFailure is { } days ? Now.AddDays(-days) : null;

        Assert.Equal(expected, StandingPolicy.Evaluate(tenantStatus, subscriptionStatus, failedAt, graceDays, Now));
    }

    [Theory]
    [InlineData("unpaid", null, Standing.Blocked)]
    [InlineData("unpaid", 1.0, Standing.Blocked)]
    [InlineData("paused", null, Standing.Blocked)]
    [InlineData("incomplete", null, Standing.FirstPaymentMissing)]
    [InlineData("incomplete", 0.5, Standing.FirstPaymentMissing)]
    [InlineData("incomplete_expired", null, Standing.FirstPaymentMissing)]
    [InlineData("past_due", null, Standing.Active)]
    public void Dunning_statuses_grant_paid_quotas_free_quotas_or_nothing(string subscriptionStatus, double? daysSinceFailure, Standing expected)
    {
        DateTimeOffset? failedAt = daysSinceFailure is { } days ? Now.AddDays(-days) : null;

        Assert.Equal(expected, StandingPolicy.Evaluate("active", subscriptionStatus, failedAt, 7, Now));
    }
}
