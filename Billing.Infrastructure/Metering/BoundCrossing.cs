namespace Billing.Infrastructure.Metering;

/// <summary>
/// Whether a buffer is past its bound (or a store out of reach), as the code that meets it notices: only a change is reported, so the log line that
/// says so is written once per crossing instead of once per request.
/// </summary>
internal sealed class BoundCrossing
{
    private int _passed;

    /// <summary>Notes the bound passed; true for the first caller to notice.</summary>
    public bool Pass() => Volatile.Read(ref _passed) == 0 && Interlocked.Exchange(ref _passed, 1) == 0;

    /// <summary>Notes the buffer below its bound again; true for the first caller to notice.</summary>
    public bool Clear() => Volatile.Read(ref _passed) == 1 && Interlocked.Exchange(ref _passed, 0) == 1;
}
