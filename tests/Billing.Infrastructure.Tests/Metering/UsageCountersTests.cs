using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Billing.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>
/// Committed events move the counters that exist as their metric combines values: counted metrics add up, storage keeps
/// its maximum, seats take the latest event's value (the first of those stamped alike, never an older one); a counter
/// that does not exist is left for its rebuild; on a single Redis and on a Redis Cluster.
/// </summary>
public sealed class UsageCountersTests(DataStoresFixture stores, RedisCluster cluster) : IClassFixture<RedisCluster>
{
    private string Redis(bool onCluster) => onCluster ? cluster.ConnectionString : stores.Redis.ConnectionString;

    private static readonly DateTimeOffset Period = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static NewUsageEvent Event(Guid tenant, string metric, long value, int second) =>
        new(tenant, Guid.NewGuid().ToString(), metric, value, At.AddSeconds(second), Period, null, null);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_counter_takes_the_sum_the_maximum_or_the_latest_value_of_its_events(bool onCluster)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(Redis(onCluster));
        var counters = new UsageCounters(redis, new StaleCounters(redis, NullLogger<StaleCounters>.Instance), NullLogger<UsageCounters>.Instance);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        string Key(Guid tenant, string metric) => RedisKeys.UsageCounter(tenant, metric, Period);
        foreach (var (tenant, metric, value, second) in new[]
                 {
                     (a, "api_calls", 10L, 0), (a, "storage_mb", 400L, 0), (a, "user_seats", 7L, 5), (b, "api_calls", 1L, 0),
                 })
        {
            await counters.SeedAsync(Key(tenant, metric), value, At.AddSeconds(second));
        }

        await counters.AdvanceAsync(
        [
            Event(a, "api_calls", 5, 1), Event(b, "api_calls", 2, 1), Event(a, "storage_mb", 900, 1), Event(a, "api_calls", 7, 2),
            Event(a, "storage_mb", 300, 3), Event(a, "user_seats", 3, 8), Event(a, "user_seats", 4, 9), Event(a, "user_seats", 6, 9),
            Event(a, "user_seats", 1, 2), Event(b, "storage_mb", 50, 1),
        ]);
        // An older seat count than the counter's own is no update.
        await counters.AdvanceAsync([Event(a, "user_seats", 99, 4)]);

        var values = await counters.ReadAsync(
            [Key(a, "api_calls"), Key(b, "api_calls"), Key(a, "storage_mb"), Key(a, "user_seats"), Key(b, "storage_mb")]);
        Assert.Equal([22L, 3L, 900L, 4L, null], values);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Added_units_answer_with_each_counters_value_after_them_and_a_missing_counter_stays_missing(bool onCluster)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(Redis(onCluster));
        var counters = new UsageCounters(redis, new StaleCounters(redis, NullLogger<StaleCounters>.Instance), NullLogger<UsageCounters>.Instance);
        var tenant = Guid.NewGuid();
        string Key(string metric) => RedisKeys.UsageCounter(tenant, metric, Period);
        await counters.SeedAsync(Key("api_calls"), 10, At);

        var values = await UsageCounters.AddAsync(redis.GetDatabase(), [Key("api_calls"), Key("llm_tokens")], [3, 500]);

        Assert.Equal([13L, null], values);
        Assert.Equal([13L, null], await counters.ReadAsync([Key("api_calls"), Key("llm_tokens")]));
    }
}
