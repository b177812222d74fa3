using System.Globalization;
using Billing.StripeEmulator.State;

namespace Billing.StripeEmulator.Pages;

/// <summary>The facts shown on an invoice page or PDF, copied out of the state so rendering needs no lock.</summary>
public sealed record InvoiceDocument(
    string Id,
    string? Number,
    string Status,
    string CustomerName,
    long PeriodStart,
    long PeriodEnd,
    IReadOnlyList<(string Description, string Quantity, long Amount)> Lines,
    long Total,
    long AmountPaid)
{
    public static InvoiceDocument? From(EmulatorState state, string id)
    {
        if (!state.Invoices.TryGetValue(id, out var invoice) || invoice.FinalizedAt is null)
        {
            return null;
        }

        var customer = state.Customers.GetValueOrDefault(invoice.Customer);
        return new InvoiceDocument(
            invoice.Id,
            invoice.Number,
            invoice.Status,
            customer?.Name ?? customer?.Email ?? invoice.Customer,
            invoice.PeriodStart,
            invoice.PeriodEnd,
            invoice.Lines.Select(l => (l.Description, Wire.Json.Decimal(l.Quantity), l.Amount)).ToList(),
            invoice.Total,
            invoice.AmountPaid);
    }

    public static string Money(long cents) =>
        (cents < 0 ? "-$" : "$") + (Math.Abs(cents) / 100m).ToString("N2", CultureInfo.InvariantCulture);

    public static string Date(long unix) =>
        DateTimeOffset.FromUnixTimeSeconds(unix).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
