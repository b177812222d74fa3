namespace Billing.Infrastructure.Metering;

/// <summary>
/// Which events of one insert were new. Usually all of them: then nothing but the count crossed the wire, instead of
/// every (tenant, id) pair read back, allocated and hashed; only an insert that met duplicates carries the set.
/// </summary>
public sealed class InsertedEvents
{
    private readonly HashSet<(Guid TenantId, string EventId)>? _some;

    private InsertedEvents(int count, HashSet<(Guid TenantId, string EventId)>? some)
    {
        Count = count;
        _some = some;
    }

    /// <summary>Events the insert stored.</summary>
    public int Count { get; }

    /// <summary>Every event of the insert was new.</summary>
    public static InsertedEvents All(int count) => new(count, null);

    /// <summary>Only <paramref name="inserted"/> were new; the others were duplicates.</summary>
    public static InsertedEvents Only(HashSet<(Guid TenantId, string EventId)> inserted) => new(inserted.Count, inserted);

    /// <summary>Whether the event was stored by this insert; asked only of events that were part of it.</summary>
    public bool Contains((Guid TenantId, string EventId) e) => _some is null || _some.Contains(e);
}
