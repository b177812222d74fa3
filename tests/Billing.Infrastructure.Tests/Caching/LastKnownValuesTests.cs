using Billing.Infrastructure.Caching;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Infrastructure.Tests.Caching;

/// <summary>During a PostgreSQL outage a replica answers from last-known values, and says so once per outage.</summary>
public sealed class LastKnownValuesTests
{
    private sealed class RecordingLogger : ILogger<LastKnownValues>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }

    private static Task<string?> Unreachable() => throw new NpgsqlException("connection refused");

    [Fact]
    public async Task An_outage_is_logged_when_it_starts_and_when_it_ends_not_per_answer()
    {
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var logger = new RecordingLogger();
        var values = new LastKnownValues(cache, logger);
        await values.LoadAsync("plan:a", () => Task.FromResult<string?>("pro"));
        await values.LoadAsync("key:b", () => Task.FromResult<string?>("key-b"));

        var answers = new List<string?>();
        for (var i = 0; i < 50; i++)
        {
            answers.Add(await values.LoadAsync("plan:a", Unreachable));
            answers.Add(await values.LoadAsync("key:b", Unreachable));
        }

        var duringOutage = logger.Entries.ToList();
        await values.LoadAsync("plan:a", () => Task.FromResult<string?>("team"));
        var afterRecovery = logger.Entries.Skip(duringOutage.Count).ToList();
        var secondOutage = await values.LoadAsync("plan:a", Unreachable);

        Assert.Equal(50, answers.Count(a => a == "pro"));
        Assert.Equal(50, answers.Count(a => a == "key-b"));
        Assert.Equal([LogLevel.Warning], duringOutage.Select(e => e.Level));
        Assert.Contains("plan:a", duringOutage[0].Message, StringComparison.Ordinal);
        Assert.Equal([LogLevel.Information], afterRecovery.Select(e => e.Level));
        Assert.Equal("team", secondOutage);
        Assert.Equal(LogLevel.Warning, logger.Entries[^1].Level);
        Assert.Equal(3, logger.Entries.Count);
    }

    [Fact]
    public async Task A_value_never_loaded_is_not_invented_during_an_outage()
    {
        using var cache = new MemoryCache(new MemoryCacheOptions());
        var values = new LastKnownValues(cache, new RecordingLogger());

        await Assert.ThrowsAsync<NpgsqlException>(() => values.LoadAsync("plan:never", Unreachable));
    }
}
