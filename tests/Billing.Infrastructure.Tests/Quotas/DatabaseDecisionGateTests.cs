using Billing.Infrastructure.Quotas;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Tests.Quotas;

public sealed class DatabaseDecisionGateTests
{
    private static DatabaseDecisionGate Gate(int maxConcurrent, int waitMs) =>
        new(Options.Create(new QuotaFallbackOptions { MaxConcurrent = maxConcurrent, WaitMs = waitMs }));

    [Fact]
    public async Task No_more_than_the_configured_decisions_hold_a_slot_and_the_next_is_refused_after_the_wait()
    {
        var gate = Gate(maxConcurrent: 2, waitMs: 50);
        await using var first = await gate.EnterAsync(null, TestContext.Current.CancellationToken);
        await using var second = await gate.EnterAsync(null, TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<QuotaDecisionUnavailableException>(() => gate.EnterAsync(null, TestContext.Current.CancellationToken));

        Assert.Equal(2, gate.InUse);
        Assert.Contains("a free fallback slot", refused.Message);
    }

    [Fact]
    public async Task A_slot_given_back_is_taken_by_the_next_decision_waiting()
    {
        var gate = Gate(maxConcurrent: 1, waitMs: 30_000);
        var first = await gate.EnterAsync(null, TestContext.Current.CancellationToken);
        var waiting = gate.EnterAsync(null, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        await first.DisposeAsync();
        await first.DisposeAsync();   // leaving twice gives back one slot, not two
        await using var next = await waiting;

        Assert.Equal(1, gate.InUse);
    }

    [Fact]
    public async Task Decisions_on_one_counter_queue_behind_each_other_while_other_counters_go_ahead()
    {
        var gate = Gate(maxConcurrent: 4, waitMs: 50);
        await using var holder = await gate.EnterAsync("tenant-a:api_calls", TestContext.Current.CancellationToken);

        await using var other = await gate.EnterAsync("tenant-b:api_calls", TestContext.Current.CancellationToken);
        var queued = await Assert.ThrowsAsync<QuotaDecisionUnavailableException>(() => gate.EnterAsync("tenant-a:api_calls", TestContext.Current.CancellationToken));

        Assert.Contains("the same counter", queued.Message);
        Assert.Equal(2, gate.InUse);
    }
}
