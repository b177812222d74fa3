using Billing.StripeEmulator.Tests.Support;
using Stripe;

namespace Billing.StripeEmulator.Tests;

/// <summary><c>hosted_invoice_url</c> and <c>invoice_pdf</c> point at pages the emulator serves.</summary>
public sealed class InvoicePageTests : IAsyncLifetime
{
    private EmulatorHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_hosted_page_shows_the_number_lines_and_total_and_the_pdf_is_a_real_pdf()
    {
        var catalog = await Catalog.CreateAsync(_host.Stripe, 4900);
        var (_, customer) = await Catalog.CustomerOnClockAsync(_host.Stripe, Catalog.Jan1);
        var sub = await _host.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });
        var invoice = await _host.Stripe.V1.Invoices.GetAsync(sub.LatestInvoiceId);

        var html = await _host.Http.GetStringAsync(invoice.HostedInvoiceUrl);
        var pdf = await _host.Http.GetByteArrayAsync(invoice.InvoicePdf);

        Assert.StartsWith(_host.BaseUrl, invoice.HostedInvoiceUrl);
        Assert.Contains(invoice.Number, html);
        Assert.Contains("Standard", html);
        Assert.Contains("49.00 USD", html);
        Assert.Equal("%PDF-"u8.ToArray(), pdf.Take(5).ToArray());
        Assert.True(pdf.Length > 500);
    }

    [Fact]
    public async Task A_preview_has_no_pages()
    {
        var catalog = await Catalog.CreateAsync(_host.Stripe, 4900);
        var (_, customer) = await Catalog.CustomerOnClockAsync(_host.Stripe, Catalog.Jan1);
        await _host.Stripe.V1.Subscriptions.CreateAsync(new SubscriptionCreateOptions { Customer = customer.Id, Items = [new() { Price = catalog.Base.Id }] });

        var preview = await _host.Stripe.V1.Invoices.CreatePreviewAsync(new InvoiceCreatePreviewOptions { Customer = customer.Id });

        Assert.StartsWith("upcoming_in_", preview.Id);
        Assert.Null(preview.HostedInvoiceUrl);
        Assert.Equal(4900, preview.Total);
    }
}
