using Billing.Infrastructure.Clock;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.Infrastructure.Tests.Clock;

/// <summary>The test clock: the system clock moved by the offset its file holds, followed while the process runs.</summary>
public sealed class FileOffsetTimeProviderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("test-clock-").FullName;

    private string File => Path.Combine(_folder, "clock.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Without_a_file_the_clock_is_the_system_clock()
    {
        using var clock = new FileOffsetTimeProvider(File, NullLogger<FileOffsetTimeProvider>.Instance);

        AssertRunsAhead(clock, TimeSpan.Zero);
    }

    [Fact]
    public void The_clock_runs_ahead_by_the_files_offset()
    {
        FileOffsetTimeProvider.Write(File, TimeSpan.FromDays(31));
        using var clock = new FileOffsetTimeProvider(File, NullLogger<FileOffsetTimeProvider>.Instance);

        Assert.Equal(TimeSpan.FromDays(31), clock.Offset);
        AssertRunsAhead(clock, TimeSpan.FromDays(31));
    }

    [Fact]
    public async Task A_new_offset_written_while_the_process_runs_is_followed()
    {
        using var clock = new FileOffsetTimeProvider(File, NullLogger<FileOffsetTimeProvider>.Instance);

        FileOffsetTimeProvider.Write(File, TimeSpan.FromHours(5));
        await UntilAsync(() => clock.Offset == TimeSpan.FromHours(5));
        FileOffsetTimeProvider.Write(File, TimeSpan.FromHours(6));
        await UntilAsync(() => clock.Offset == TimeSpan.FromHours(6));

        AssertRunsAhead(clock, TimeSpan.FromHours(6));
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_keeps_the_last_offset()
    {
        FileOffsetTimeProvider.Write(File, TimeSpan.FromMinutes(90));
        using var clock = new FileOffsetTimeProvider(File, NullLogger<FileOffsetTimeProvider>.Instance);

        await System.IO.File.WriteAllTextAsync(File, "{\"offsetSeconds\": \"soon\"}", TestContext.Current.CancellationToken);
        clock.Refresh();
        var kept = clock.Offset;
        FileOffsetTimeProvider.Write(File, TimeSpan.FromMinutes(91));
        await UntilAsync(() => clock.Offset == TimeSpan.FromMinutes(91));

        Assert.Equal(TimeSpan.FromMinutes(90), kept);
    }

    [Fact]
    public void Durations_are_not_moved()
    {
        FileOffsetTimeProvider.Write(File, TimeSpan.FromDays(400));
        using var clock = new FileOffsetTimeProvider(File, NullLogger<FileOffsetTimeProvider>.Instance);

        var start = clock.GetTimestamp();
        var elapsed = clock.GetElapsedTime(start);

        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromMinutes(1));
    }

    private static void AssertRunsAhead(TimeProvider clock, TimeSpan offset)
    {
        var before = TimeProvider.System.GetUtcNow();
        var now = clock.GetUtcNow();
        var after = TimeProvider.System.GetUtcNow();

        Assert.InRange(now, before + offset, after + offset);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the clock did not follow its file within 10 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
