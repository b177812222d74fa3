using Stripe;
using Stripe.Billing;

namespace Billing.Infrastructure.Submission;

/// <summary>What Stripe has counted for a customer on a meter over a minute-aligned range (its meter event summary).</summary>
public sealed class MeterSummaries(StripeClient stripe)
{
    public async Task<long> TotalAsync(string meterId, string customerId, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        // Without a grouping window Stripe answers one summary for the whole range, aggregated with the meter's formula.
        var summaries = await stripe.V1.Billing.Meters.EventSummaries.ListAsync(meterId, new MeterEventSummaryListOptions
        {
            Customer = customerId,
            StartTime = start.UtcDateTime,
            EndTime = end.UtcDateTime,
        }, cancellationToken: cancellationToken);
        return (long)summaries.Data.Sum(s => s.AggregatedValue);
    }
}
