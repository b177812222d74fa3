using Billing.Api.Problems;

namespace Billing.Api.Tests.Problems;

/// <summary>
/// Validation error keys name fields as the camelCase JSON bodies do, whoever produced them; segments that are the
/// client's own data (a metric key as written) stay as sent.
/// </summary>
public sealed class ValidationErrorKeysTests
{
    [Theory]
    [InlineData("IdempotencyKey", "idempotencyKey")]
    [InlineData("Items[0].Name", "items[0].name")]
    [InlineData("events[3].value", "events[3].value")]
    [InlineData("quotas.API_CALLS", "quotas.API_CALLS")]
    [InlineData("Quotas.Api_calls.Included", "quotas.Api_calls.included")]
    [InlineData("", "")]
    public void Each_segment_naming_a_property_is_camel_cased_and_data_stays_as_sent(string key, string expected) =>
        Assert.Equal(expected, ValidationErrorKeys.CamelCase(key));

    [Fact]
    public void Renamed_keys_keep_their_messages_and_merge_with_a_key_already_camel_cased()
    {
        var errors = new Dictionary<string, string[]>
        {
            ["Metric"] = ["The Metric field is required."],
            ["metric"] = ["Unknown metric."],
            ["MaxTokens"] = ["Out of range."],
            ["plan"] = ["Unknown plan."],
        };

        ValidationErrorKeys.CamelCase(errors);

        Assert.Equal(["maxTokens", "metric", "plan"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Unknown metric.", "The Metric field is required."], errors["metric"]);
        Assert.Equal(["Out of range."], errors["maxTokens"]);
    }
}
