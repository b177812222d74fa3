namespace Billing.Api.Problems;

/// <summary>
/// A validation problem names at most <see cref="MaxErrors"/> fields, and says how many there were: a request of a
/// thousand bad events would otherwise answer with a body larger than the request, and a client needs the first
/// errors and the count to fix a generator, not every copy of the same mistake.
/// </summary>
public static class ValidationErrorLimit
{
    public const int MaxErrors = 100;

    /// <summary>Keeps the first <see cref="MaxErrors"/> fields in <paramref name="errors"/>; returns how many there were.</summary>
    public static int Apply(IDictionary<string, string[]> errors)
    {
        var total = errors.Count;
        foreach (var key in errors.Keys.Skip(MaxErrors).ToList())
        {
            errors.Remove(key);
        }

        return total;
    }
}
