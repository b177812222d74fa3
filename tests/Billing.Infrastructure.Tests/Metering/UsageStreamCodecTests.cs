using Billing.Infrastructure.Metering;

namespace Billing.Infrastructure.Tests.Metering;

/// <summary>A request's events survive the trip through a stream entry unchanged; bytes that are not an entry are named, not guessed at.</summary>
public sealed class UsageStreamCodecTests
{
    private static readonly NewUsageEvent[] Events =
    [
        new(Guid.NewGuid(), "req:0196f3a2:api_calls", "api_calls", 1, new DateTimeOffset(2026, 11, 25, 10, 0, 0, 123, TimeSpan.Zero).AddTicks(4567),
            new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), null, "|4bf92f3577b34da6a3ce929d0e0e4736.00f067aa0ba902b7.", Precounted: true),
        new(Guid.NewGuid(), "évènement-✓", "llm_tokens", 1_000_000_000_000, new DateTimeOffset(2026, 11, 25, 11, 0, 0, TimeSpan.FromHours(2)),
            new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), """{"model":"x"}""", null),
    ];

    [Fact]
    public void Events_come_back_as_they_were_written()
    {
        var decoded = UsageStreamCodec.Decode(UsageStreamCodec.Encode(Events), out var problem);

        Assert.Null(problem);
        Assert.Equal(Events, decoded);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 2, 1 })]
    [InlineData(new byte[] { 1, 200 })]
    [InlineData(new byte[] { 1, 1, 0, 0, 0 })]
    public void Bytes_that_are_not_an_entry_are_reported_with_a_reason(byte[] payload)
    {
        var decoded = UsageStreamCodec.Decode(payload, out var problem);

        Assert.Null(decoded);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Trailing_bytes_make_an_entry_unreadable()
    {
        var decoded = UsageStreamCodec.Decode([.. UsageStreamCodec.Encode(Events), 0], out var problem);

        Assert.Null(decoded);
        Assert.Contains("after its last event", problem, StringComparison.Ordinal);
    }
}
