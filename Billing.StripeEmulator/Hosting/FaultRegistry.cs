namespace Billing.StripeEmulator.Hosting;

/// <summary>A fault to inject: the next <see cref="Count"/> requests whose path starts with <see cref="Path"/>.</summary>
public sealed class Fault
{
    public string Path { get; set; } = "/";

    /// <summary>500 or 429 (or any error status); 0 answers normally after the delay.</summary>
    public int Status { get; set; } = 500;

    public int Count { get; set; } = 1;

    public int DelayMs { get; set; }
}

/// <summary>Faults injected through the control surface; consumed by API requests in arrival order.</summary>
public sealed class FaultRegistry
{
    private readonly Lock _gate = new();
    private readonly List<Fault> _faults = [];

    public void Add(Fault fault)
    {
        lock (_gate)
        {
            _faults.Add(fault);
        }
    }

    public IReadOnlyList<Fault> List()
    {
        lock (_gate)
        {
            return _faults.Select(f => new Fault { Path = f.Path, Status = f.Status, Count = f.Count, DelayMs = f.DelayMs }).ToList();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>Takes one use of the first fault matching the path, if any.</summary>
    public Fault? Take(string path)
    {
        lock (_gate)
        {
            var fault = _faults.FirstOrDefault(f => path.StartsWith(f.Path, StringComparison.Ordinal));
            if (fault is null)
            {
                return null;
            }

            fault.Count--;
            if (fault.Count <= 0)
            {
                _faults.Remove(fault);
            }

            return fault;
        }
    }
}
