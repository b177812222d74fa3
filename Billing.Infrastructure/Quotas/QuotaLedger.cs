using Billing.Domain.Catalog;
using Billing.Domain.Metering;
using Billing.Domain.Quotas;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Metering;
using Billing.Infrastructure.Redis;
using Billing.Infrastructure.Tenancy;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;

namespace Billing.Infrastructure.Quotas;

/// <summary>
/// Quota decisions against the tenant's current-period usage. With Redis, a consuming check is one
/// atomic script on the usage counter (check the limit, then reserve), so N concurrent requests with R
/// units remaining let exactly R through, across any number of API replicas. Without Redis, a hard cap is
/// decided in PostgreSQL under a per-(tenant, metric) advisory lock, with the usage event written in the same
/// transaction: slower, still exact. Soft-capped and uncapped quotas never refuse, so they take no lock. The fallback
/// is admitted by <see cref="DatabaseDecisionGate"/> (bounded slots, bounded waits) so that a busy tenant cannot take
/// the connection pool from everyone while Redis is down.
/// </summary>
public sealed partial class QuotaLedger(
    IConnectionMultiplexer redis,
    NpgsqlDataSource dataSource,
    UsageCounters counters,
    StaleCounters stale,
    UsageViews views,
    SingleFlight rebuilds,
    DatabaseDecisionGate gate,
    TimeProvider clock,
    ILogger<QuotaLedger> logger)
{
    // Set while this replica decides in PostgreSQL: the outage is logged when it starts and ends, not once per decision.
    private readonly BoundCrossing _decidingInPostgres = new();
    // KEYS[1] usage counter, KEYS[2] idempotency marker (or the counter again when there is none).
    // ARGV: units the check needs, units to reserve, hard limit (-1: none), marker TTL ms, the period's total limit.
    // Returns { state, used before }: state 1 reserved/allowed, 0 denied, -1 counter missing, 2 replayed
    // (with the usage seen by the original call, so a replay repeats its decision), 3 the reservation would take the
    // counter past the period's total limit (nothing reserved; compared as used > limit − units, exact in Lua's doubles).
    private const string ReserveScript = """
        if KEYS[2] ~= KEYS[1] and redis.call('EXISTS', KEYS[2]) == 1 then
          return { 2, tonumber(redis.call('GET', KEYS[2])) }
        end
        if redis.call('EXISTS', KEYS[1]) == 0 then return { -1, 0 } end
        local used = tonumber(redis.call('HGET', KEYS[1], 'v'))
        local limit = tonumber(ARGV[3])
        if limit >= 0 and used + tonumber(ARGV[1]) > limit then return { 0, used } end
        if tonumber(ARGV[2]) > 0 and used > tonumber(ARGV[5]) - tonumber(ARGV[2]) then return { 3, used } end
        if tonumber(ARGV[2]) > 0 then redis.call('HINCRBY', KEYS[1], 'v', ARGV[2]) end
        if KEYS[2] ~= KEYS[1] then redis.call('SET', KEYS[2], used, 'PX', ARGV[4]) end
        return { 1, used }
        """;

    /// <summary>
    /// Decides whether <paramref name="amount"/> more units fit and, when <paramref name="reserve"/> is set and they do,
    /// counts them at once. A reservation must be followed by <see cref="ReleaseAsync"/> if the units are not consumed.
    /// </summary>
    /// <param name="idempotencyKey">With a key, a repeated consume answers as before without counting again.</param>
    /// <param name="eventId">The usage event that records a reservation (written with the decision when Redis is down).</param>
    public async Task<LedgerDecision> DecideAsync(
        Guid tenantId, Quota quota, BillingPeriod period, long amount, bool reserve, string? idempotencyKey, string eventId, CancellationToken cancellationToken)
    {
        var keys = RedisKeys.QuotaKeys(tenantId, quota.Metric.ToKey(), period.Start, idempotencyKey);
        var counterKey = keys[0];
        try
        {
            await stale.DropIfStaleAsync([counterKey]);
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ReserveScript,
                    [.. keys.Select(k => (RedisKey)k)],
                    [Math.Max(1, amount), reserve ? amount : 0, quota.HardLimit ?? -1, (long)(period.End - period.Start + TimeSpan.FromDays(1)).TotalMilliseconds,
                        UsageEventRules.MaxPeriodTotal]))!;
                var state = (int)result[0];
                var used = (long)result[1];
                if (state == -1)
                {
                    await SeedAsync(tenantId, quota.Metric, period, counterKey, cancellationToken);
                    continue;
                }

                NoteRedisAnswered();
                return new LedgerDecision(QuotaPolicy.Evaluate(quota, used, amount), Reserved: state == 1 && reserve && amount > 0, Replayed: state == 2,
                    OverPeriodTotal: state == 3);
            }

            throw new InvalidOperationException($"The usage counter {counterKey} vanished twice while deciding.");
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            NoteDecidingInPostgres(e, tenantId);
            stale.Add([counterKey]);
            var decided = await DecideInDatabaseAsync(tenantId, quota, period, amount, reserve, eventId, cancellationToken);
            // Again once committed: a drop that ran while this decision was in PostgreSQL rebuilt the counter without it.
            stale.Add([counterKey]);
            return decided;
        }
    }

    /// <summary>Gives back a reservation whose units were not consumed (the handler failed, or the event was not stored).</summary>
    /// <param name="eventId">Set when the decision was taken in PostgreSQL and its event must be unwritten.</param>
    /// <param name="idempotencyKey">
    /// The consume's key: its marker goes with the units, so the client's retry after the failure is decided and recorded
    /// afresh instead of being answered as a replay of work that never happened.
    /// </param>
    public async Task ReleaseAsync(Guid tenantId, Metric metric, BillingPeriod period, long amount, string? eventId, string? idempotencyKey = null)
    {
        var keys = RedisKeys.QuotaKeys(tenantId, metric.ToKey(), period.Start, idempotencyKey);
        var key = keys[0];
        try
        {
            // Only an existing counter is lowered; a rebuilt one never held the reservation.
            await redis.GetDatabase().ScriptEvaluateAsync(
                "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'v', -tonumber(ARGV[1])) end "
                + "if KEYS[2] ~= KEYS[1] then redis.call('DEL', KEYS[2]) end return 0",
                [.. keys.Select(k => (RedisKey)k)], [amount]);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            // Redis is down: the counter is dropped when it returns, and rebuilt from PostgreSQL.
            logger.LogDebug(e, "Reservation not released in Redis");
            stale.Add([key]);
        }

        if (eventId is not null)
        {
            // In the PostgreSQL fallback the event was written with the decision; unwrite it unless already aggregated, and
            // its id with it, or a retry of the request would be refused as a duplicate. The event is found among the
            // tenant's pending ones (a partial index), since no index holds every event's id.
            await using var connection = await TenantConnections.OpenAsync(dataSource, CancellationToken.None);
            await using var command = new NpgsqlCommand("""
                WITH given_back AS (
                    DELETE FROM usage_events WHERE tenant_id = @tenant AND metric = @metric AND event_id = @id AND aggregated_at IS NULL
                    RETURNING tenant_id, event_id)
                DELETE FROM usage_event_ids i USING given_back g WHERE i.tenant_id = g.tenant_id AND i.event_id = g.event_id
                """, connection);
            command.Parameters.AddWithValue("metric", metric.ToKey());
            command.Parameters.AddWithValue("tenant", tenantId);
            command.Parameters.AddWithValue("id", eventId);
            await command.ExecuteNonQueryAsync();
        }
    }

    private void NoteDecidingInPostgres(Exception failure, Guid tenantId)
    {
        if (_decidingInPostgres.Pass())
        {
            logger.LogWarning(failure, "Redis unavailable: quotas are decided in PostgreSQL until it answers again (first: tenant {TenantId})", tenantId);
        }
    }

    private void NoteRedisAnswered()
    {
        if (_decidingInPostgres.Clear())
        {
            logger.LogInformation("Redis answers again: quotas are decided in Redis");
        }
    }

    /// <summary>Rebuilds a missing counter from PostgreSQL, once for all callers waiting on it; returns its value.</summary>
    internal Task<long> SeedAsync(Guid tenantId, Metric metric, BillingPeriod period, string counterKey, CancellationToken cancellationToken) =>
        rebuilds.RunAsync(counterKey, async () =>
        {
            await using var connection = await TenantConnections.OpenAsync(dataSource, CancellationToken.None);
            var usage = (await PeriodUsageQuery.ReadAsync(connection, tenantId, period.Start, period.End, [metric], CancellationToken.None))[metric];
            return await counters.SeedAsync(counterKey, usage.Value, usage.LastEventAt);
        });

    private async Task<LedgerDecision> DecideInDatabaseAsync(
        Guid tenantId, Quota quota, BillingPeriod period, long amount, bool reserve, string eventId, CancellationToken cancellationToken)
    {
        // Only a hard cap can refuse, so only its decision and its write must be one step under the counter's lock.
        var lockKey = quota.HardLimit is null ? null : $"{tenantId:N}:{quota.Metric.ToKey()}";
        await using var turn = await gate.EnterAsync(lockKey, cancellationToken);
        try
        {
            return await DecideInTransactionAsync(tenantId, quota, period, amount, reserve, eventId, lockKey, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new QuotaDecisionUnavailableException(
                $"Redis is unavailable and the lock of {quota.Metric.ToKey()} stayed held (another replica deciding) for {gate.Wait.TotalMilliseconds:0} ms; retry shortly.", e);
        }
        catch (NpgsqlException e) when (PostgresFailures.IsUnavailable(e))
        {
            throw new QuotaDecisionUnavailableException("Redis and PostgreSQL are both unavailable; the quota cannot be decided now. Retry shortly.", e);
        }
    }

    private async Task<LedgerDecision> DecideInTransactionAsync(
        Guid tenantId, Quota quota, BillingPeriod period, long amount, bool reserve, string eventId, string? lockKey, CancellationToken cancellationToken)
    {
        await using var connection = await TenantConnections.OpenAsync(dataSource, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (lockKey is not null)
        {
            // lock_timeout bounds the wait for a lock another replica holds; it ends with the transaction.
            await using var @lock = new NpgsqlCommand(
                $"SET LOCAL lock_timeout = {(long)gate.Wait.TotalMilliseconds}; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", connection, transaction);
            @lock.Parameters.AddWithValue("key", lockKey);
            await @lock.ExecuteNonQueryAsync(cancellationToken);
        }

        var used = (await PeriodUsageQuery.ReadAsync(connection, tenantId, period.Start, period.End, [quota.Metric], cancellationToken, transaction))[quota.Metric].Value;
        var decision = QuotaPolicy.Evaluate(quota, used, amount);
        var reserved = false;
        var replayed = false;
        var overTotal = reserve && amount > 0 && used > UsageEventRules.MaxPeriodTotal - amount;
        if (reserve && amount > 0 && decision.Kind != QuotaDecisionKind.Deny && !overTotal)
        {
            var inserted = await UsageEventStore.InsertAsync(connection, transaction,
                [new NewUsageEvent(tenantId, eventId, quota.Metric.ToKey(), amount, clock.GetUtcNow(), period.Start, null, System.Diagnostics.Activity.Current?.Id)],
                cancellationToken);
            reserved = inserted.Count == 1;
            replayed = !reserved;
        }

        await transaction.CommitAsync(cancellationToken);
        return new LedgerDecision(decision, reserved, replayed, RecordedInDatabase: reserved, OverPeriodTotal: overTotal && decision.Kind != QuotaDecisionKind.Deny);
    }
}
