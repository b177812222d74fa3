namespace Billing.StripeEmulator.Wire;

/// <summary>A fault injected through the control surface: the next <see cref="Count"/> matching requests fail or stall.</summary>
public sealed class Fault
{
    public string Id { get; set; } = "";

    /// <summary>Request path prefix, e.g. <c>/v1/billing/meter_events</c>.</summary>
    public string Path { get; set; } = "";

    public string? Method { get; set; }

    /// <summary>500, 429 or another error status; null for a delay only.</summary>
    public int? Status { get; set; }

    public int DelayMs { get; set; }

    public int Count { get; set; } = 1;

    /// <summary>Sent as <c>Stripe-Should-Retry</c> when set.</summary>
    public bool? ShouldRetry { get; set; }
}

/// <summary>Faults waiting to be triggered; kept in memory only.</summary>
public sealed class FaultRegistry
{
    private readonly Lock _gate = new();
    private readonly List<Fault> _faults = [];

    public Fault Add(Fault fault)
    {
        lock (_gate)
        {
            fault.Id = Ids.New("fault_", 12);
            _faults.Add(fault);
            return fault;
        }
    }

    public IReadOnlyList<Fault> List()
    {
        lock (_gate)
        {
            return _faults.ToList();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>Takes one use of the first fault matching the request, if any.</summary>
    public Fault? Take(string method, string path)
    {
        lock (_gate)
        {
            var fault = _faults.FirstOrDefault(f =>
                path.StartsWith(f.Path, StringComparison.Ordinal)
                && (f.Method is null || string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase)));
            if (fault is null)
            {
                return null;
            }

            if (--fault.Count <= 0)
            {
                _faults.Remove(fault);
            }

            return fault;
        }
    }
}
