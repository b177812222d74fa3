using Billing.Infrastructure.Stripe;

namespace Billing.Infrastructure.Tests.Stripe;

public sealed class WebhookRetriesTests
{
    [Fact]
    public void The_last_attempt_comes_at_least_three_days_after_the_first_and_less_than_an_hour_later()
    {
        var waited = Enumerable.Range(1, WebhookRetries.MaxAttempts - 1).Select(WebhookRetries.DelayAfter).Aggregate(TimeSpan.Zero, (a, b) => a + b);

        Assert.InRange(waited, WebhookRetries.RetryFor, WebhookRetries.RetryFor + WebhookRetries.MaxDelay);
        Assert.False(WebhookRetries.GivesUpAfter(WebhookRetries.MaxAttempts - 1));
        Assert.True(WebhookRetries.GivesUpAfter(WebhookRetries.MaxAttempts));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(5, 32)]
    [InlineData(11, 2048)]
    [InlineData(12, 3600)]
    [InlineData(1000, 3600)]
    public void Delays_double_from_two_seconds_up_to_an_hour(int attempts, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), WebhookRetries.DelayAfter(attempts));
}
