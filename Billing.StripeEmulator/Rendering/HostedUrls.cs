namespace Billing.StripeEmulator.Rendering;

/// <summary>Where the emulator's hosted pages live, under the address its clients reach it by.</summary>
public static class HostedUrls
{
    public static string Invoice(string baseUrl, string invoiceId) => $"{baseUrl}/invoices/{invoiceId}";

    public static string InvoicePdf(string baseUrl, string invoiceId) => $"{baseUrl}/invoices/{invoiceId}/pdf";

    public static string Checkout(string baseUrl, string sessionId) => $"{baseUrl}/checkout/{sessionId}";

    public static string Portal(string baseUrl, string secret) => $"{baseUrl}/billing_portal/{secret}";
}
