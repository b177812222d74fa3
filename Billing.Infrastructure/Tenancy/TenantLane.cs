using Npgsql;

namespace Billing.Infrastructure.Tenancy;

/// <summary>
/// One of <see cref="Count"/> disjoint sets of tenants (by a hash of the tenant id) that the worker's jobs work on
/// separately: runs of different lanes, on one worker or several, run at the same time without touching the same
/// tenant's rows; runs of one lane take turns (the lane's lock).
/// </summary>
public sealed record TenantLane(int Index, int Count)
{
    /// <summary>The most lanes a setting may ask for: each lane is a recurring job and a lock.</summary>
    public const int MaxCount = 64;

    /// <summary>Every tenant: one lane.</summary>
    public static readonly TenantLane All = new(0, 1);

    public static IEnumerable<TenantLane> Of(int count) => Enumerable.Range(0, count).Select(index => new TenantLane(index, count));

    /// <summary>Lane <paramref name="index"/> of <paramref name="count"/>, or null when there is no such lane (a job a larger setting left).</summary>
    public static TenantLane? Numbered(int index, int count) => index < count ? new TenantLane(index, count) : null;

    /// <summary>The condition that <paramref name="tenantColumn"/> is in the lane, with the parameters <c>@lanes</c> and <c>@lane</c>.</summary>
    public static string Sql(string tenantColumn) => $"(hashtext({tenantColumn}::text) & 2147483647) % @lanes = @lane";

    public void Bind(NpgsqlCommand command)
    {
        command.Parameters.AddWithValue("lanes", Count);
        command.Parameters.AddWithValue("lane", Index);
    }
}
