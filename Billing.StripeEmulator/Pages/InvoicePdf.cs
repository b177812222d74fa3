using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Billing.StripeEmulator.Pages;

/// <summary>Renders an invoice as a one-page PDF with PDFsharp, using a TrueType font found on the machine.</summary>
public static class InvoicePdf
{
    private const string Family = "EmulatorSans";
    private static readonly Lazy<bool> FontReady = new(InstallResolver);

    public static bool Available => FontReady.Value;

    public static byte[] Render(InvoiceDocument doc)
    {
        using var pdf = new PdfDocument();
        pdf.Info.Title = $"Invoice {doc.Number ?? doc.Id}";
        var page = pdf.AddPage();
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var title = new XFont(Family, 18);
            var body = new XFont(Family, 10);
            var y = 60.0;
            gfx.DrawString($"Invoice {doc.Number ?? doc.Id}", title, XBrushes.Black, new XPoint(50, y));
            y += 30;
            foreach (var line in new[]
            {
                $"Billed to: {doc.CustomerName}",
                $"Period: {InvoiceDocument.Date(doc.PeriodStart)} – {InvoiceDocument.Date(doc.PeriodEnd)}",
                $"Status: {doc.Status}",
            })
            {
                gfx.DrawString(line, body, XBrushes.Black, new XPoint(50, y));
                y += 16;
            }

            y += 14;
            foreach (var (description, quantity, amount) in doc.Lines)
            {
                gfx.DrawString(Truncate(description, 70), body, XBrushes.Black, new XPoint(50, y));
                gfx.DrawString(quantity, body, XBrushes.Black, new XPoint(400, y));
                gfx.DrawString(InvoiceDocument.Money(amount), body, XBrushes.Black, new XPoint(480, y));
                y += 16;
            }

            y += 10;
            gfx.DrawString($"Total: {InvoiceDocument.Money(doc.Total)}", title, XBrushes.Black, new XPoint(50, y + 10));
            gfx.DrawString($"Amount paid: {InvoiceDocument.Money(doc.AmountPaid)}", body, XBrushes.Black, new XPoint(50, y + 32));
        }

        using var stream = new MemoryStream();
        pdf.Save(stream, false);
        return stream.ToArray();
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static bool InstallResolver()
    {
        var font = FindFont();
        if (font is null)
        {
            return false;
        }

        if (GlobalFontSettings.FontResolver is null)
        {
            GlobalFontSettings.FontResolver = new FileFontResolver(File.ReadAllBytes(font));
        }

        return true;
    }

    private static string? FindFont()
    {
        string[] roots = ["/usr/share/fonts", "/usr/local/share/fonts", Environment.GetFolderPath(Environment.SpecialFolder.Fonts)];
        var files = roots.Where(r => r.Length > 0 && Directory.Exists(r))
            .SelectMany(r => Directory.EnumerateFiles(r, "*.ttf", SearchOption.AllDirectories))
            .ToList();
        return files.FirstOrDefault(f => Path.GetFileName(f).Equals("DejaVuSans.ttf", StringComparison.OrdinalIgnoreCase))
            ?? files.FirstOrDefault(f => Path.GetFileName(f).Equals("arial.ttf", StringComparison.OrdinalIgnoreCase))
            ?? files.FirstOrDefault();
    }

    private sealed class FileFontResolver(byte[] font) : IFontResolver
    {
        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) => new(Family);

        public byte[] GetFont(string faceName) => font;
    }
}
