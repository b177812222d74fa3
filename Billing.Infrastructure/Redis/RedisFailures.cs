using StackExchange.Redis;

namespace Billing.Infrastructure.Redis;

/// <summary>
/// Which exceptions mean that Redis cannot be used right now, so the caller falls back (PostgreSQL, a local bucket)
/// instead of failing the request.
/// </summary>
public static class RedisFailures
{
    /// <summary>
    /// Redis did not answer, or answered with an error (<see cref="RedisException"/>, a timeout), or the slot a command
    /// needs has no primary: on a Redis Cluster, between a primary's death and its replica's promotion, StackExchange.Redis
    /// refuses a write before sending it with a <see cref="RedisCommandException"/> (no <see cref="RedisException"/>).
    /// </summary>
    public static bool IsUnavailable(Exception e) => e is RedisException or TimeoutException || IsPrimaryMissing(e);

    /// <summary>No connection or no answer in time, or no primary for the slot; an error Redis answers with is not an outage.</summary>
    public static bool IsOutage(Exception e) => e is RedisConnectionException or RedisTimeoutException or TimeoutException || IsPrimaryMissing(e);

    private static bool IsPrimaryMissing(Exception e) =>
        e is RedisCommandException && e.Message.StartsWith("Command cannot be issued to a replica", StringComparison.Ordinal);
}
