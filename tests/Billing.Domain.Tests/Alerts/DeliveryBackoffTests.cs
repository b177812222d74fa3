using Billing.Domain.Alerts;

namespace Billing.Domain.Tests.Alerts;

public sealed class DeliveryBackoffTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(12, 60)]
    [InlineData(int.MaxValue, 60)]
    public void Waits_double_after_each_failure_up_to_the_ceiling(int attempts, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), DeliveryBackoff.After(attempts, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)));

    [Fact]
    public void There_is_no_wait_before_a_first_attempt() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DeliveryBackoff.After(0, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)));
}
