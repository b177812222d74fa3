using System.Diagnostics;
using Billing.Api.Tests.Stripe;
using Billing.Testing;
using Billing.Worker.Tests.Support;
using static Billing.Worker.Tests.Support.Pipeline;

namespace Billing.Worker.Tests.Jobs;

/// <summary>One trace runs from the ingesting request through aggregation to the Stripe submission.</summary>
public sealed class PipelineTraceTests(StripeSystem system, DataStoresFixture stores) : IClassFixture<StripeSystem>
{
    [Fact]
    public async Task The_ingestion_trace_continues_into_aggregation_and_submission()
    {
        var tenant = await system.SubscribeAsync();
        await using var worker = new WorkerJobs(system, stores);
        var recorded = new System.Collections.Concurrent.ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or "Billing.Aggregation" or "Billing.Submission" or "Billing.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = recorded.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("Billing.Tests");
        ActivityTraceId trace;

        // The metered service's own span; HttpClient sends it on as the traceparent header.
        using (var client = source.StartActivity("metered service sends usage", ActivityKind.Client)!)
        {
            trace = client.TraceId;
            await system.IngestAsync(tenant.Key, Event("traced", "llm_tokens", 321));
        }

        await worker.AggregateAsync();
        await worker.SubmitAsync();

        var aggregation = Assert.Single(recorded, a => a.OperationName == "aggregate usage" && InTrace(a, trace));
        var submission = Assert.Single(recorded, a => a.OperationName == "submit meter_event" && InTrace(a, trace));
        Assert.Equal(trace, aggregation.TraceId);
        Assert.Equal(trace, submission.TraceId);
        Assert.Equal(1, submission.GetTagItem("billing.submission.events"));
    }

    private static bool InTrace(Activity activity, ActivityTraceId trace) =>
        activity.TraceId == trace || activity.Links.Any(l => l.Context.TraceId == trace);
}
