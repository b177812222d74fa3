using System.Globalization;
using System.Net.Http.Json;
using Billing.Infrastructure.Clock;

namespace Billing.Reliability.Tests.Harness;

/// <summary>
/// One clock for the whole system: the APIs and workers read their offset from <see cref="File"/> (<c>TestClock:File</c>),
/// the emulator keeps its own (<c>/_emulator/clock</c>), and the suite's clients stamp events with <see cref="Now"/>.
/// <see cref="AdvanceAsync"/> moves all of them by the same whole seconds.
/// </summary>
public sealed class SharedClock(string file)
{
    private long _offsetSeconds;

    /// <summary>The file the services' <see cref="FileOffsetTimeProvider"/> reads.</summary>
    public string File { get; } = file;

    public TimeSpan Offset => TimeSpan.FromSeconds(Interlocked.Read(ref _offsetSeconds));

    /// <summary>Now, as the system sees it.</summary>
    public DateTimeOffset Now => DateTimeOffset.UtcNow + Offset;

    /// <summary>
    /// Moves the clock forward by <paramref name="by"/> (whole seconds): the services first (it waits until each has logged
    /// the new offset, so none stamps with the old one after the suite's clients moved on), then the emulator, whose
    /// periods that came due close at once, then the clients.
    /// </summary>
    public async Task AdvanceAsync(ReliabilitySystem system, TimeSpan by, CancellationToken cancellationToken)
    {
        var offset = Interlocked.Read(ref _offsetSeconds) + (long)by.TotalSeconds;
        FileOffsetTimeProvider.Write(File, TimeSpan.FromSeconds(offset));
        var announcement = $"clock runs {offset.ToString(CultureInfo.InvariantCulture)} s ahead";
        foreach (var service in system.Apis.Concat(system.Workers))
        {
            await service.WaitForOutputAsync(announcement, TimeSpan.FromSeconds(10), cancellationToken);
        }

        using var control = system.EmulatorControl();
        using var moved = await control.PostAsJsonAsync("/_emulator/clock", new { now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offset }, cancellationToken);
        moved.EnsureSuccessStatusCode();
        Interlocked.Exchange(ref _offsetSeconds, offset);
    }
}
