using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Billing.StripeEmulator.Pages;

/// <summary>Draws an invoice as a one-page PDF with PDFsharp.</summary>
public static class InvoicePdf
{
    private const string Family = "EmulatorSans";
    private static readonly Lazy<bool> Ready = new(() =>
    {
        GlobalFontSettings.FontResolver ??= new SystemFontResolver();
        return true;
    });

    public static byte[] Render(InvoiceView view)
    {
        _ = Ready.Value;
        using var document = new PdfDocument();
        document.Info.Title = $"Invoice {view.Number ?? view.Id}";
        var page = document.AddPage();
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var title = new XFont(Family, 20);
            var body = new XFont(Family, 10);
            var y = 60.0;
            gfx.DrawString($"Invoice {view.Number ?? view.Id}", title, XBrushes.Black, new XPoint(50, y));
            y += 30;
            gfx.DrawString($"Billed to {view.Customer}, {InvoicePages.Date(view.PeriodStart)} to {InvoicePages.Date(view.PeriodEnd)}, status {view.Status}", body, XBrushes.Black, new XPoint(50, y));
            y += 30;
            foreach (var line in view.Lines)
            {
                gfx.DrawString(line.Description, body, XBrushes.Black, new XPoint(50, y));
                gfx.DrawString(line.Quantity.ToString("0.####", CultureInfo.InvariantCulture), body, XBrushes.Black, new XPoint(380, y));
                gfx.DrawString(InvoicePages.Money(line.Amount, view.Currency), body, XBrushes.Black, new XPoint(450, y));
                y += 16;
            }

            y += 14;
            gfx.DrawString($"Total {InvoicePages.Money(view.Total, view.Currency)}, paid {InvoicePages.Money(view.AmountPaid, view.Currency)}", body, XBrushes.Black, new XPoint(50, y));
        }

        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    /// <summary>PDFsharp's core build has no fonts of its own: this serves one TrueType font found on the machine.</summary>
    private sealed class SystemFontResolver : IFontResolver
    {
        private static readonly string[] Candidates =
        [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            "/Library/Fonts/Arial.ttf",
            @"C:\Windows\Fonts\arial.ttf",
        ];

        private readonly Lazy<byte[]> _font = new(() =>
        {
            var path = Candidates.FirstOrDefault(File.Exists)
                       ?? (Directory.Exists("/usr/share/fonts") ? Directory.EnumerateFiles("/usr/share/fonts", "*.ttf", SearchOption.AllDirectories).FirstOrDefault() : null)
                       ?? throw new InvalidOperationException("No TrueType font found for the invoice PDF.");
            return File.ReadAllBytes(path);
        });

        public FontResolverInfo ResolveTypeface(string familyName, bool isBold, bool isItalic) => new(Family);

        public byte[] GetFont(string faceName) => _font.Value;
    }
}
