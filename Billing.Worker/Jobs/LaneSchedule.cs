using System.Linq.Expressions;
using Billing.Infrastructure.Tenancy;
using Hangfire;

namespace Billing.Worker.Jobs;

/// <summary>
/// The recurring jobs of a job that works in lanes of tenants: its all-lanes run and one run per lane, all on one
/// schedule, so the Hangfire servers of several workers take different lanes. The lane jobs a larger setting left
/// behind are removed, found in one read of the recurring job ids.
/// </summary>
internal static class LaneSchedule
{
    public static void Schedule<TJob>(
        IRecurringJobManager recurring, JobStorage storage, string name, Func<int, string> laneName, string cron, int lanes,
        Expression<Func<TJob, Task>> allLanes, Func<int, Expression<Func<TJob, Task>>> oneLane)
    {
        recurring.AddOrUpdate(name, allLanes, cron);
        for (var lane = 0; lane < lanes; lane++)
        {
            recurring.AddOrUpdate(laneName(lane), oneLane(lane), cron);
        }

        var beyond = Enumerable.Range(lanes, TenantLane.MaxCount - lanes).Select(laneName).ToHashSet();
        using var connection = storage.GetConnection();
        foreach (var left in connection.GetAllItemsFromSet("recurring-jobs").Where(beyond.Contains))
        {
            recurring.RemoveIfExists(left);
        }
    }
}
