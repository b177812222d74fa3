using System.Diagnostics.Metrics;
using System.Net;
using Billing.Infrastructure.Metering;
using Billing.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

using static Billing.Api.Tests.Enforcement.MeteredCalls;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// Metered requests' usage travels through the Redis usage stream to PostgreSQL: once per request, whatever the
/// deliveries, taken over from a consumer that went away, and committed synchronously when the stream is unavailable;
/// on a single Redis and on a Redis Cluster, where the stream is split into six shards.
/// </summary>
public sealed class UsageStreamTests(ApiFactory api, RedisCluster cluster) : IClassFixture<ApiFactory>, IClassFixture<RedisCluster>
{
    /// <summary>An API replica on the same database and Redis, with a stream of its own and its own drainer settings.</summary>
    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> Replica(string streamKey, bool drain, string? redis = null, int shards = 1) =>
        api.Replica(
        [
            ("UsageStream:Key", streamKey),
            ("UsageStream:Drain", drain ? "true" : "false"),
            ("UsageStream:ClaimIdleMs", "300"),
            ("UsageStream:ClaimIntervalMs", "100"),
            ("UsageStream:Shards", $"{shards}"),
            .. redis is null ? [] : new[] { ("ConnectionStrings:redis", redis) },
        ]);

    /// <summary>A replica on the assembly's Redis, or on the cluster with the stream in six shards.</summary>
    private WebApplicationFactory<Billing.Api.Auth.CurrentTenant> Replica(string streamKey, bool drain, bool onCluster) =>
        onCluster ? Replica(streamKey, drain, cluster.ConnectionString, shards: 6) : Replica(streamKey, drain);

    private static string RequestOf(string eventId) => eventId.Split(':')[1];

    [Fact]
    public async Task Metered_requests_reach_usage_events_exactly_once_through_the_stream()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        using var http = api.CreateClient(key);
        using var drained = new DrainedEvents(api.Services.GetRequiredService<IMeterFactory>());

        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await CompleteAsync(http);
            return response.StatusCode;
        }));
        await api.UsageDrainedAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(Enumerable.Repeat(1L, 40), recorded["api_calls"].Select(e => e.Value));
        Assert.Equal(Enumerable.Repeat(TokensPerCall, 40), recorded["llm_tokens"].Select(e => e.Value));
        // Each request's two events carry its one id.
        Assert.Equal(40, recorded["api_calls"].Select(e => RequestOf(e.EventId)).Distinct().Count());
        Assert.Equal(recorded["api_calls"].Select(e => RequestOf(e.EventId)).Order(), recorded["llm_tokens"].Select(e => RequestOf(e.EventId)).Order());
        Assert.Equal((40, 40 * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
        // They came through the drainer, not the synchronous fallback.
        Assert.Equal((80, 0), (drained.Accepted, drained.Fallbacks));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Metered_requests_of_many_tenants_reach_usage_events_exactly_once_through_every_shard(bool onCluster)
    {
        var tenants = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => api.CreateTenantWithKeyAsync("standard", $"Shard {i}")));
        await using var replica = Replica($"usage-stream:test-{Guid.NewGuid():N}", drain: true, onCluster);
        var stream = replica.Services.GetRequiredService<UsageStream>();

        var statuses = await Task.WhenAll(tenants.SelectMany(t => Enumerable.Range(0, 5).Select(async _ =>
        {
            using var http = replica.ClientWithKey(t.Key);
            using var response = await CompleteAsync(http);
            return response.StatusCode;
        })));
        await ApiFactory.UsageDrainedAsync(replica.Services);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(onCluster ? 6 : 1, stream.Shards.Count);
        foreach (var (tenantId, key) in tenants)
        {
            var recorded = await RecordedAsync(api, tenantId);
            Assert.Equal(Enumerable.Repeat(1L, 5), recorded["api_calls"].Select(e => e.Value));
            Assert.Equal(Enumerable.Repeat(TokensPerCall, 5), recorded["llm_tokens"].Select(e => e.Value));
            using var http = replica.ClientWithKey(key);
            Assert.Equal((5, 5 * TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
        }

        // Twelve tenants are spread over the shards (on the cluster, the chance that all fall in one is 6^-11).
        Assert.True(!onCluster || tenants.Select(t => stream.ShardOf(t.TenantId)).Distinct().Count() > 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_entry_committed_but_not_acknowledged_before_its_consumer_died_is_counted_once_when_delivered_again(bool onCluster)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using var replica = Replica($"usage-stream:test-{Guid.NewGuid():N}", drain: false, onCluster);
        using var http = replica.ClientWithKey(key);
        var stream = replica.Services.GetRequiredService<UsageStream>();
        var shard = stream.ShardOf(tenantId);
        var drainer = replica.Services.GetRequiredService<UsageStreamDrainer>();
        await stream.EnsureGroupAsync();
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        await FlushAsync(replica);

        // A drainer reads the entry and commits its events, then dies before acknowledging it.
        var entries = await shard.ReadAsync("crashed", ownPending: false, 10);
        await drainer.CommitAsync(shard, entries);
        var afterFirstCommit = (await RecordedAsync(api, tenantId), await UsedAsync(http, "llm_tokens"));
        // Once idle for the claim time, another consumer takes it over and commits it again.
        await Task.Delay(400, TestContext.Current.CancellationToken);
        var claimed = await drainer.ClaimAsync("survivor");

        Assert.Single(entries);
        Assert.Equal(1, claimed);
        Assert.Equal(0, await stream.LengthAsync());
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal([1L], recorded["api_calls"].Select(e => e.Value));
        Assert.Equal([TokensPerCall], recorded["llm_tokens"].Select(e => e.Value));
        Assert.Equal(afterFirstCommit.Item1["llm_tokens"], recorded["llm_tokens"]);
        Assert.Equal(TokensPerCall, afterFirstCommit.Item2);
        // The counter advanced with the first commit only: the second found the ids stored.
        Assert.Equal((1, TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_entry_left_pending_by_a_consumer_that_went_away_is_claimed_and_committed_by_another_replica(bool onCluster)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var streamKey = $"usage-stream:test-{Guid.NewGuid():N}";
        await using var first = Replica(streamKey, drain: false, onCluster);
        using var http = first.ClientWithKey(key);
        var stream = first.Services.GetRequiredService<UsageStream>();
        await stream.EnsureGroupAsync();
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        await FlushAsync(replica: first);
        // Read by a consumer that goes away without committing or acknowledging.
        Assert.Single(await stream.ShardOf(tenantId).ReadAsync("gone", ownPending: false, 10));
        Assert.Empty(await RecordedAsync(api, tenantId));

        await using var second = Replica(streamKey, drain: true, onCluster);
        await ApiFactory.UsageDrainedAsync(second.Services);

        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal([1L], recorded["api_calls"].Select(e => e.Value));
        Assert.Equal([TokensPerCall], recorded["llm_tokens"].Select(e => e.Value));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public async Task On_the_cluster_an_append_no_replica_confirmed_is_committed_to_postgresql_as_well(int replicaAcks, bool committedAtOnce)
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        // No drainer: whatever reaches PostgreSQL was committed by the flush itself. Each primary has one replica, so
        // WAIT for two never succeeds.
        await using var replica = api.Replica(("UsageStream:Key", $"usage-stream:test-{Guid.NewGuid():N}"), ("UsageStream:Drain", "false"),
            ("ConnectionStrings:redis", cluster.ConnectionString), ("UsageStream:Shards", "6"), ("UsageStream:ReplicaAcks", $"{replicaAcks}"));
        using var http = replica.ClientWithKey(key);
        var stream = replica.Services.GetRequiredService<UsageStream>();

        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        await FlushAsync(replica);

        // The entry is in the stream either way (acknowledged by its primary); PostgreSQL has it at once only when the
        // replicas did not confirm it, and then keeps it once when the drainer commits the entry again.
        Assert.Equal(1, await stream.ShardOf(tenantId).LengthAsync());
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal(committedAtOnce ? [1L] : [], recorded.GetValueOrDefault("api_calls", []).Select(e => e.Value));
        await using (var draining = api.Replica(("UsageStream:Key", stream.Key), ("ConnectionStrings:redis", cluster.ConnectionString), ("UsageStream:Shards", "6")))
        {
            await ApiFactory.UsageDrainedAsync(draining.Services);
        }

        Assert.Equal([1L], (await RecordedAsync(api, tenantId))["api_calls"].Select(e => e.Value));
        Assert.Equal((1, TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    [Fact]
    public async Task When_redis_refuses_the_append_the_buffered_usage_is_committed_to_postgresql_once()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var streamKey = $"usage-stream:test-{Guid.NewGuid():N}";
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(api.RedisConnectionString))
        {
            // Not a stream: every XADD fails (WRONGTYPE) while the quota counters keep working.
            await redis.GetDatabase().StringSetAsync(streamKey, "not a stream");
        }

        await using var replica = Replica(streamKey, drain: false);
        using var http = replica.ClientWithKey(key);

        using var response = await CompleteAsync(http);
        await FlushAsync(replica);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal([1L], recorded["api_calls"].Select(e => e.Value));
        Assert.Equal([TokensPerCall], recorded["llm_tokens"].Select(e => e.Value));
        // The group commit advanced the counters once, after the commit.
        Assert.Equal((1, TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    [Fact]
    public async Task With_redis_stopped_the_buffered_usage_is_committed_to_postgresql()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync(TestContext.Current.CancellationToken);
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using var replica = Replica($"usage-stream:test-{Guid.NewGuid():N}", drain: true,
            redis.ConnectionString + ",connectTimeout=300,syncTimeout=300,asyncTimeout=300,connectRetry=0");
        using var http = replica.ClientWithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(http)).StatusCode);
        await ApiFactory.UsageDrainedAsync(replica.Services);
        await redis.StopAsync();

        using var response = await CompleteAsync(http);
        await FlushAsync(replica);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = await RecordedAsync(api, tenantId);
        Assert.Equal([1L, 1L], recorded["api_calls"].Select(e => e.Value));
        Assert.Equal([TokensPerCall, TokensPerCall], recorded["llm_tokens"].Select(e => e.Value));
    }

    [Fact]
    public async Task With_buffering_off_metered_usage_is_committed_to_postgresql_before_the_answer_so_redis_losing_its_data_loses_none()
    {
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        var streamKey = $"usage-stream:test-{Guid.NewGuid():N}";
        // No drainer: whatever reaches PostgreSQL before the answer was committed by the request itself.
        await using var replica = api.Replica(("UsageStream:Key", streamKey), ("UsageStream:Drain", "false"), ("UsageBuffer:Enabled", "false"));
        using var http = replica.ClientWithKey(key);

        using var response = await CompleteAsync(http);
        var recorded = await RecordedAsync(api, tenantId);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(api.RedisConnectionString);
        var waitingInStream = await redis.GetDatabase().StreamLengthAsync(streamKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([1L], recorded["api_calls"].Select(e => e.Value));
        Assert.Equal([TokensPerCall], recorded["llm_tokens"].Select(e => e.Value));
        Assert.Equal(0, waitingInStream);
        // Counted once: the call by its reservation, the tokens by the commit.
        Assert.Equal((1, TokensPerCall), (await UsedAsync(http, "api_calls"), await UsedAsync(http, "llm_tokens")));
    }

    /// <summary>What this API instance's drainer committed and how many requests fell back, from its <c>Billing.Metering</c> meter.</summary>
    private sealed class DrainedEvents : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _accepted;
        private long _fallbacks;

        public DrainedEvents(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name is "billing.usage.stream.drained" or "billing.usage.stream.fallback" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "billing.usage.stream.fallback")
                {
                    Interlocked.Add(ref _fallbacks, value);
                }
                else if (tags.ToArray().Any(t => t is { Key: "outcome", Value: "accepted" }))
                {
                    Interlocked.Add(ref _accepted, value);
                }
            });
            _listener.Start();
        }

        public long Accepted => Interlocked.Read(ref _accepted);

        public long Fallbacks => Interlocked.Read(ref _fallbacks);

        public void Dispose() => _listener.Dispose();
    }
}
