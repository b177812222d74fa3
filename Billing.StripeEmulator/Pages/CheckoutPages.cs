using System.Text;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Pages;

/// <summary>The hosted page behind a Checkout Session's <c>url</c>: what is bought, and the card form that completes it.</summary>
public static class CheckoutPages
{
    /// <summary>Maps <c>/checkout/{id}</c> (GET shows, POST pays).</summary>
    public static void MapCheckoutPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/checkout/{id}", (string id, EmulatorRuntime runtime) => runtime.Background(tx =>
        {
            BillingEngine.CatchUp(tx);
            return tx.S.CheckoutSessions.GetValueOrDefault(id) is { } session ? Page(tx, session) : HostedPage.NotFound("There is no such Checkout Session.");
        }));
        app.MapPost("/checkout/{id}", async (string id, HttpContext http, EmulatorRuntime runtime) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return runtime.Background(tx =>
            {
                BillingEngine.CatchUp(tx);
                if (tx.S.CheckoutSessions.GetValueOrDefault(id) is not { } session)
                {
                    return HostedPage.NotFound("There is no such Checkout Session.");
                }

                if (session.Status != "open")
                {
                    return Page(tx, session);
                }

                var (entry, error) = CardForm.Read(form, tx.NowFor(session.TestClock));
                if (entry is null)
                {
                    return Page(tx, session, error, CardForm.Values(form), StatusCodes.Status400BadRequest);
                }

                var declined = Checkout.Complete(tx, session, entry);
                return declined is null
                    ? HostedPage.SeeOther(Checkout.SuccessUrl(session))
                    : Page(tx, session, declined, CardForm.Values(form), StatusCodes.Status402PaymentRequired);
            });
        });
    }

    private static IResult Page(Tx tx, CheckoutSessionRecord session, string? error = null, CardFormValues? values = null, int status = StatusCodes.Status200OK)
    {
        var back = session.CancelUrl is { } cancel ? $"<p><a href=\"{HostedPage.E(cancel)}\">Cancel and go back</a></p>" : "";
        switch (session.Status)
        {
            case "complete":
                return HostedPage.Html("Payment complete", $"""
                    <h1>Thank you</h1><p class="notice">This Checkout Session is complete.</p>
                    <p><a href="{HostedPage.E(Checkout.SuccessUrl(session))}">Continue</a></p>
                    """);
            case "expired":
                return HostedPage.Html("Checkout expired", $"<h1>This Checkout Session has expired</h1><p>Nothing was charged.</p>{back}", StatusCodes.Status410Gone);
        }

        var subscribing = session.Mode == "subscription";
        var title = subscribing ? "Subscribe" : "Save a card";
        var summary = subscribing ? Summary(tx.S, session) : "<p>Your card is saved for future payments. Nothing is charged now.</p>";
        var body = $"""
            <h1>{title}</h1>
            {summary}
            <h2>Pay with card</h2>
            {CardForm.Html($"/checkout/{Uri.EscapeDataString(session.Id)}", subscribing ? "Subscribe" : "Save card", error, values)}
            {back}
            """;
        return HostedPage.Html(title, body, status);
    }

    private static string Summary(EmulatorState state, CheckoutSessionRecord session)
    {
        var rows = new StringBuilder();
        var dueToday = 0m;
        foreach (var line in session.LineItems)
        {
            var price = state.Prices[line.Price];
            var product = state.Products.TryGetValue(price.Product, out var p) ? p.Name : price.Product;
            var interval = price.Interval ?? "month";
            string amount;
            if (price.IsMetered)
            {
                product += price.Meter is { } meter && state.Meters.TryGetValue(meter, out var m) ? $" · {m.EventName}" : "";
                amount = $"Billed by usage each {interval}";
            }
            else
            {
                var cents = Pricing.ExactAmount(price, line.Quantity ?? 1);
                dueToday += cents;
                amount = $"{InvoicePages.Money(Pricing.Round(cents), price.Currency)} per {interval}";
            }

            rows.Append($"<tr><td>{HostedPage.E(product)}</td><td class=\"num\">{HostedPage.E(amount)}</td></tr>");
        }

        return $"""
            <table><caption class="muted">Your subscription</caption><tbody>{rows}</tbody></table>
            <p><strong>Due today: {InvoicePages.Money(Pricing.Round(dueToday), session.Currency)}</strong></p>
            """;
    }
}
