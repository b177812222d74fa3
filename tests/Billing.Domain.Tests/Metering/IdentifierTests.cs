using Billing.Domain.Metering;

namespace Billing.Domain.Tests.Metering;

/// <summary>What an idempotency key (an event id, a consume key) may hold.</summary>
public sealed class IdentifierTests
{
    [Theory]
    [InlineData("req-42")]
    [InlineData("ünïcödé-名前")]
    [InlineData("emoji-😀")]
    [InlineData("with spaces and \"quotes\"")]
    public void Printable_text_of_any_script_is_an_identifier(string id) => Assert.Null(UsageEventRules.IdentifierProblem(id));

    [Theory]
    [InlineData("a\u0000b", "U+0000")]
    [InlineData("line\nbreak", "U+000A")]
    [InlineData("esc\u001b[31m", "U+001B")]
    [InlineData("del\u007f", "U+007F")]
    [InlineData("c1\u0085", "U+0085")]
    [InlineData("zero\u200bwidth", "U+200B")]
    [InlineData("rtl\u202eoverride", "U+202E")]
    [InlineData("\ufeffbom", "U+FEFF")]
    [InlineData("soft\u00adhyphen", "U+00AD")]
    public void Controls_and_invisible_format_characters_are_refused(string id, string named) =>
        Assert.Contains(named, UsageEventRules.IdentifierProblem(id));

    // Not theory data: a test runner's serialization of the cases would replace an unpaired surrogate with U+FFFD.
    [Fact]
    public void Unpaired_surrogates_are_refused()
    {
        Assert.Contains("U+D800", UsageEventRules.IdentifierProblem("lone\ud800"));
        Assert.Contains("U+DC00", UsageEventRules.IdentifierProblem("\udc00\ud800"));
        Assert.Contains("U+D83D", UsageEventRules.IdentifierProblem("cut\ud83d"));
    }
}
