using System.Text.Json;
using Billing.Api.Usage;
using Billing.Domain.Metering;

namespace Billing.Api.Tests.Usage;

/// <summary>
/// How an event's members are read (by exact name, escaped or not, the last of a repeated one, the unknown ignored) and
/// its timestamps: every ISO-8601 form to the same instant, no offset meaning UTC.
/// </summary>
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

    [Fact]
    public void Members_are_read_by_exact_name_escaped_or_not_the_last_of_a_repeated_one_counting()
    {
        using var document = JsonDocument.Parse("""
            {"events":[
              {"\u0069d":"escaped","metric":"api_calls","value":1,"note":"ignored","properties":{"a":1}},
              {"id":"first","id":"second","value":"one","value":2,"Metric":"api_calls","timestamp":null}
            ]}
            """);

        var parsed = UsageEventsParser.Parse(document.RootElement);

        Assert.Empty(parsed.Errors);
        Assert.Equal(new UsageEventInput("escaped", "api_calls", 1, null, """{"a":1}"""), parsed.Events[0]);
        Assert.Equal(new UsageEventInput("second", null, 2, null, null), parsed.Events[1]);
    }

    [Fact]
    public void A_member_of_the_wrong_type_is_an_error_on_that_member_of_its_event()
    {
        using var document = JsonDocument.Parse("""{"events":[{"id":"a","metric":"api_calls","value":1},{"id":7,"metric":["x"],"value":"1","properties":3}]}""");

        var parsed = UsageEventsParser.Parse(document.RootElement);

        Assert.Equal(["events[1].id", "events[1].metric", "events[1].properties", "events[1].value"], parsed.Errors.Keys.Order());
        Assert.Equal("The value must be a number.", parsed.Errors["events[1].value"].Single());
        Assert.Equal(new UsageEventInput("a", "api_calls", 1, null, null), parsed.Events[0]);
    }
}
