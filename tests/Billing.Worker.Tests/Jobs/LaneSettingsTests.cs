using Billing.Infrastructure.Submission;
using Billing.Testing;
using Billing.Worker.Jobs;
using Billing.Worker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Billing.Worker.Tests.Jobs;

/// <summary>The lane counts of aggregation and submission are checked when the worker starts: from 1 to 64.</summary>
public sealed class LaneSettingsTests(DataStoresFixture stores)
{
    [Theory]
    [InlineData("Aggregation:Lanes", "0")]
    [InlineData("Aggregation:Lanes", "65")]
    [InlineData("Submission:Lanes", "0")]
    [InlineData("Submission:Lanes", "65")]
    public async Task A_lane_count_outside_1_to_64_is_refused_at_start(string setting, string lanes)
    {
        using var worker = JobsHost.Build(await stores.CreateMigratedDatabaseAsync(), new Dictionary<string, string> { [setting] = lanes });

        var refused = Assert.Throws<OptionsValidationException>(() =>
            setting.StartsWith("Aggregation", StringComparison.Ordinal)
                ? (object)worker.Services.GetRequiredService<IOptions<AggregationOptions>>().Value
                : worker.Services.GetRequiredService<IOptions<SubmissionOptions>>().Value);

        Assert.Contains($"{setting} must be from 1 to 64", refused.Message);
    }

    [Fact]
    public async Task Four_lanes_of_each_by_default()
    {
        using var worker = JobsHost.Build(await stores.CreateMigratedDatabaseAsync());

        Assert.Equal((4, 4), (worker.Services.GetRequiredService<IOptions<AggregationOptions>>().Value.Lanes,
            worker.Services.GetRequiredService<IOptions<SubmissionOptions>>().Value.Lanes));
    }
}
