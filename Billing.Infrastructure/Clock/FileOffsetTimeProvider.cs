using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Billing.Infrastructure.Clock;

/// <summary>
/// For tests only: the system clock moved forward by an offset read from a JSON file (<c>{"offsetSeconds": n}</c>),
/// re-read every <see cref="PollInterval"/> while the process runs, so that a test can close a billing period in the
/// APIs and workers together with the Stripe emulator's clock. Durations (timers, delays, timestamps for elapsed time)
/// are not moved. A missing file is no offset; a file that cannot be read keeps the last offset.
/// </summary>
public sealed partial class FileOffsetTimeProvider : TimeProvider, IDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _file;
    private readonly ILogger _logger;
    private readonly ITimer _poll;
    private readonly Lock _gate = new();
    private long _offsetTicks;
    private string? _lastContent;

    public FileOffsetTimeProvider(string file, ILogger<FileOffsetTimeProvider> logger)
    {
        _file = Path.GetFullPath(file);
        _logger = logger;
        Refresh();
        _poll = System.CreateTimer(_ => Refresh(), null, PollInterval, PollInterval);
    }

    /// <summary>How far this clock is ahead of the system clock.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public void Dispose() => _poll.Dispose();

    /// <summary>Writes <paramref name="offset"/> to <paramref name="file"/> as this provider reads it, replacing the file in one step.</summary>
    public static void Write(string file, TimeSpan offset)
    {
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new OffsetFile((long)offset.TotalSeconds)));
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Reads the file now (the timer does it every <see cref="PollInterval"/>).</summary>
    internal void Refresh()
    {
        lock (_gate)
        {
            string content;
            try
            {
                content = File.Exists(_file) ? File.ReadAllText(_file) : "";
            }
            catch (IOException e)
            {
                LogUnreadable(_file, e.Message);
                return;
            }

            if (content == _lastContent)
            {
                return;
            }

            _lastContent = content;
            if (!TryParse(content, out var offset))
            {
                LogUnreadable(_file, "expected {\"offsetSeconds\": <whole seconds>}");
                return;
            }

            Volatile.Write(ref _offsetTicks, offset.Ticks);
            LogOffset(offset.TotalSeconds, _file);
        }
    }

    private static bool TryParse(string content, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (content.Length == 0)
        {
            return true;
        }

        try
        {
            if (JsonSerializer.Deserialize<OffsetFile>(content) is { } parsed)
            {
                offset = TimeSpan.FromSeconds(parsed.OffsetSeconds);
                return true;
            }
        }
        catch (JsonException)
        {
            // Reported by the caller; the last offset stays.
        }

        return false;
    }

    private sealed record OffsetFile([property: JsonPropertyName("offsetSeconds")] long OffsetSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Test clock: this process's clock runs {OffsetSeconds} s ahead of the system clock (TestClock:File {File})")]
    private partial void LogOffset(double offsetSeconds, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Test clock: cannot read {File} ({Reason}); the last offset stays")]
    private partial void LogUnreadable(string file, string reason);
}
