using System.Text.Json;
using Billing.Api.Usage;

namespace Billing.Api.Tests.Usage;

/// <summary>How the body's timestamps are read: every ISO-8601 form to the same instant, no offset meaning UTC.</summary>
public sealed class UsageEventsParserTests
{
    private static UsageEventsParser.Parsed Parse(string timestamp)
    {
        using var document = JsonDocument.Parse($$"""{"events":[{"id":"a","metric":"api_calls","value":1,"timestamp":{{JsonSerializer.Serialize(timestamp)}}}]}""");
        return UsageEventsParser.Parse(document.RootElement);
    }

    [Theory]
    [InlineData("2026-11-25T10:00:00Z")]
    [InlineData("2026-11-25T10:00:00.000z")]
    [InlineData("2026-11-25T12:00:00+02:00")]
    [InlineData("2026-11-25T05:30:00-04:30")]
    [InlineData("2026-11-25T10:00:00")]
    [InlineData("2026-11-25T11:00:00+0100")]
    [InlineData("2026-11-25 10:00:00Z")]
    public void Every_form_of_the_same_instant_reads_as_that_instant_in_utc(string timestamp)
    {
        var parsed = Parse(timestamp);

        Assert.Empty(parsed.Errors);
        var read = parsed.Events[0].Timestamp!.Value;
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), read);
        Assert.Equal(TimeSpan.Zero, read.Offset);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("not a date+01:00")]
    [InlineData("2026-13-25T10:00:00Z")]
    [InlineData("2026-11-25T10:00:00+25:00")]
    public void A_string_that_is_no_date_is_an_error_on_its_event(string timestamp)
    {
        var parsed = Parse(timestamp);

        Assert.Null(parsed.Events[0].Timestamp);
        Assert.Contains("ISO-8601", parsed.Errors["events[0].timestamp"][0]);
    }
}
