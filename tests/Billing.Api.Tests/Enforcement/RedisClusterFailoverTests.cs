using System.Diagnostics;
using System.Globalization;
using System.Net;
using Billing.Infrastructure.Redis;
using Billing.Testing;
using StackExchange.Redis;

using static Billing.Api.Tests.Enforcement.MeteredCalls;

namespace Billing.Api.Tests.Enforcement;

/// <summary>
/// A primary of the Redis Cluster dies (<c>kill -9</c>, its process gone) while metered requests run: its replica is
/// promoted, requests decided meanwhile fall back to PostgreSQL, and once the drainers are done every accepted request's
/// usage is stored exactly once. With <c>UsageStream:ReplicaAcks=1</c> no appended entry can be lost with the primary.
/// </summary>
public sealed class RedisClusterFailoverTests(ApiFactory api, ITestOutputHelper output) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_primary_killed_under_load_is_replaced_by_its_replica_and_every_accepted_request_is_stored_once()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await using var cluster = new RedisCluster();
        await cluster.StartAsync(cancellation);
        var (tenantId, key) = await api.CreateTenantWithKeyAsync("standard");
        await using var replica = api.Replica(
            ("ConnectionStrings:redis", cluster.ConnectionString + ",connectTimeout=500,syncTimeout=500,asyncTimeout=500"),
            ("UsageStream:Key", $"usage-stream:test-{Guid.NewGuid():N}"), ("UsageStream:Shards", "6"), ("UsageStream:ReplicaAcks", "1"),
            ("UsageStream:RetryDelayMs", "100"));
        using var http = replica.ClientWithKey(key);

        // The primary that holds the tenant's counters (and, on this even split, its stream shard).
        await using var admin = await ConnectionMultiplexer.ConnectAsync(cluster.AdminConnectionString);
        var counter = RedisKeys.UsageCounter(tenantId, "api_calls", DateTimeOffset.UnixEpoch);
        var primary = admin.GetServer((await admin.GetDatabase().IdentifyEndpointAsync(counter))!);
        var pid = await RedisCluster.ProcessIdAsync(primary);

        var statuses = new System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode>();
        int Accepted() => statuses.Count(s => s == HttpStatusCode.OK);
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await CompleteAsync(http);
                statuses.Enqueue(response.StatusCode);
            }
        }));

        await WaitUntilAsync(() => Task.FromResult(Accepted() >= 100), "requests before the kill");
        using (var kill = Process.Start("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancellation);
        }

        var killedAt = Stopwatch.StartNew();
        var beforeKill = Accepted();
        // The replica takes over the slots: five nodes answer, the cluster is whole again, and another node serves the tenant.
        await WaitUntilAsync(async () =>
        {
            await using var probe = await ConnectionMultiplexer.ConnectAsync(cluster.AdminConnectionString.Replace("abortConnect=true", "abortConnect=false"));
            return await RedisCluster.IsHealthyAsync(probe, RedisCluster.NodeCount - 1)
                && !Equals(await probe.GetDatabase().IdentifyEndpointAsync(counter), primary.EndPoint);
        }, "the replica's promotion", async () =>
        {
            await using var probe = await ConnectionMultiplexer.ConnectAsync(cluster.AdminConnectionString.Replace("abortConnect=true", "abortConnect=false"));
            var server = probe.GetServers().First(s => s.IsConnected);
            return $"{server.EndPoint}: {await server.ExecuteAsync("CLUSTER", "INFO")}\n{await server.ExecuteAsync("CLUSTER", "NODES")}";
        });
        var promotion = killedAt.Elapsed;
        var afterPromotion = Accepted();
        // Requests go on through the promoted replica.
        await WaitUntilAsync(() => Task.FromResult(Accepted() >= afterPromotion + 100), "requests after the promotion");
        await stop.CancelAsync();
        await load;
        await ApiFactory.UsageDrainedAsync(replica.Services);

        var accepted = Accepted();
        var recorded = await RecordedAsync(api, tenantId);
        output.WriteLine($"{statuses.Count} requests, {accepted} accepted ({beforeKill} before the kill, {afterPromotion - beforeKill} between the kill and "
            + $"the promotion), promotion after {promotion.TotalMilliseconds:0} ms; {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{(int)g.Key}: {g.Count()}"))}");
        // A refusal stores nothing: a 503 while a decision could not be taken, a 429 once the plan's quota is used up.
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, $"{s}"));
        Assert.Equal(accepted, recorded["api_calls"].Count);
        Assert.Equal(accepted, recorded["api_calls"].Select(e => e.EventId).Distinct().Count());
        Assert.Equal(accepted * TokensPerCall, recorded["llm_tokens"].Sum(e => e.Value));
        // The counter the tenant sees was rebuilt from PostgreSQL after the outage and is never ahead of it; it can be
        // behind by what was in flight in the stream when it was rebuilt, until its time to live (docs/redis.md).
        var used = await UsedAsync(http, "api_calls");
        output.WriteLine($"GET /usage shows {used} api_calls, PostgreSQL holds {accepted}");
        Assert.InRange(used, 1, accepted);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Func<Task<string>>? state = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                Assert.Fail($"Timed out waiting for {what}. {(state is null ? "" : await state())}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
