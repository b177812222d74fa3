using Billing.LoadGen;

namespace Billing.Api.Tests.LoadGen;

/// <summary>The generator's report stays bounded however long it runs: past its bound it counts, and says its ids are partial.</summary>
public sealed class LoadReportTests
{
    [Fact]
    public void Past_its_bound_the_report_keeps_counting_and_says_its_ids_are_incomplete()
    {
        var report = new LoadReport(maxRecordedIds: 5);

        report.Accepted(LoadRequestKind.Batch, ["a", "b", "c", "d"]);
        report.Accepted(LoadRequestKind.SingleEvent, ["e"]);
        var full = report.Summary();
        report.Accepted(LoadRequestKind.Batch, ["f", "g"]);
        report.Refused(LoadRequestKind.Consume, "429 Too many requests");
        var past = report.Summary();

        Assert.True(full.IdsComplete);
        Assert.Equal(["a", "b", "c", "d", "e"], full.AcceptedIds.Order());
        Assert.False(past.IdsComplete);
        Assert.Equal(7, past.AcceptedEvents);
        Assert.Equal(full.AcceptedIds.Order(), past.AcceptedIds.Order());
        Assert.Equal(new LoadKindSummary(2, 0, 0), past.Kinds[LoadRequestKind.Batch]);
        Assert.Equal(new LoadKindSummary(0, 1, 0), past.Kinds[LoadRequestKind.Consume]);
        Assert.Equal("429 Too many requests", past.LastProblem);
    }
}
