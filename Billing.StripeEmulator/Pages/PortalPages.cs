using System.Text;
using Billing.StripeEmulator.Billing;
using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Pages;

/// <summary>
/// The customer portal behind a portal session's <c>url</c>: the default card and a form to replace it (which retries
/// the open invoices of a past-due subscription at once), the subscriptions with cancel at period end when enabled,
/// and the invoices with links to their hosted pages.
/// </summary>
public static class PortalPages
{
    /// <summary>Maps <c>/billing_portal/{secret}</c> and its two forms.</summary>
    public static void MapPortalPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/billing_portal/{secret}", (string secret, string? updated, string? declined, EmulatorRuntime runtime) => runtime.Background(tx =>
            Session(tx, secret) is { } session
                ? Page(tx, session, notice: updated is null ? null : "Your payment method was updated.", error: declined is null ? null : "The payment of your open invoices was declined.")
                : Missing()));
        app.MapPost("/billing_portal/{secret}/payment_method", async (string secret, HttpContext http, EmulatorRuntime runtime) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return runtime.Background(tx =>
            {
                if (Session(tx, secret) is not { } session)
                {
                    return Missing();
                }

                var customer = tx.S.Customers[session.Customer];
                var now = tx.NowForCustomer(customer.Id);
                var (entry, error) = CardForm.Read(form, now);
                if (entry is null)
                {
                    return Page(tx, session, cardError: error, values: CardForm.Values(form), status: StatusCodes.Status400BadRequest);
                }

                if (entry.Card.Behavior == CardBehavior.DeclinedOnAttach)
                {
                    return Page(tx, session, cardError: "Your card was declined.", values: CardForm.Values(form), status: StatusCodes.Status402PaymentRequired);
                }

                var paid = ReplaceCard(tx, customer, PaymentMethods.AttachCard(tx, entry, customer, now), now);
                return HostedPage.SeeOther($"/billing_portal/{secret}?updated=1" + (paid ? "" : "&declined=1"));
            });
        });
        app.MapPost("/billing_portal/{secret}/cancel", async (string secret, HttpContext http, EmulatorRuntime runtime) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            return runtime.Background(tx =>
            {
                if (Session(tx, secret) is not { } session)
                {
                    return Missing();
                }

                if (tx.Options.PortalCancellation && tx.S.Subscriptions.GetValueOrDefault(form["subscription"].ToString()) is { } sub &&
                    sub.Customer == session.Customer && IsLive(sub) && !sub.CancelAtPeriodEnd)
                {
                    var before = SubscriptionJson.Subscription(tx.S, sub);
                    sub.CancelAtPeriodEnd = true;
                    sub.CancelAt = sub.CurrentPeriodEnd;
                    sub.CanceledAt = tx.NowForCustomer(sub.Customer);
                    var after = SubscriptionJson.Subscription(tx.S, sub);
                    tx.Publish("customer.subscription.updated", after, sub.CanceledAt, Diff.Previous(before, after));
                }

                return HostedPage.SeeOther($"/billing_portal/{secret}");
            });
        });
    }

    /// <summary>
    /// The new card becomes the default of the customer and of its subscriptions that name one, then every open invoice
    /// of a subscription that is behind on payments is tried again; false when one of those is declined.
    /// </summary>
    private static bool ReplaceCard(Tx tx, CustomerRecord customer, PaymentMethodRecord method, long now)
    {
        PaymentMethods.SetCustomerDefault(tx, customer, method.Id);
        var subscriptions = tx.S.Subscriptions.Values.Where(s => s.Customer == customer.Id && IsLive(s)).OrderBy(s => s.Seq).ToList();
        foreach (var sub in subscriptions.Where(s => s.DefaultPaymentMethod is not null && s.DefaultPaymentMethod != method.Id))
        {
            var before = SubscriptionJson.Subscription(tx.S, sub);
            sub.DefaultPaymentMethod = method.Id;
            var after = SubscriptionJson.Subscription(tx.S, sub);
            tx.Publish("customer.subscription.updated", after, now, Diff.Previous(before, after));
        }

        var behind = subscriptions.Where(s => s.Status is "past_due" or "unpaid" or "incomplete").Select(s => s.Id).ToHashSet();
        var open = tx.S.Invoices.Values.Where(i => i.Status == "open" && i.Subscription is { } sub && behind.Contains(sub)).OrderBy(i => i.Seq).ToList();
        return open.Aggregate(true, (paid, invoice) => InvoiceFlow.Collect(tx, invoice, now, PaymentAttempt.Manual) && paid);
    }

    private static bool IsLive(SubscriptionRecord sub) => sub.Status is not ("canceled" or "incomplete_expired");

    private static PortalSessionRecord? Session(Tx tx, string secret) => tx.S.PortalSessions.Values.FirstOrDefault(s => s.Secret == secret);

    private static IResult Missing() => HostedPage.NotFound("This portal link is not valid. Open the portal again from your account.");

    private static IResult Page(Tx tx, PortalSessionRecord session, string? notice = null, string? error = null, string? cardError = null,
        CardFormValues? values = null, int status = StatusCodes.Status200OK)
    {
        var customer = tx.S.Customers[session.Customer];
        var method = PaymentMethods.DefaultFor(tx, customer, null);
        var card = method is null
            ? "<p>No payment method on file.</p>"
            : $"<p>{HostedPage.E(Brand(method.Brand))} ending in {method.Last4}, expires {method.ExpMonth:00}/{method.ExpYear}</p>";
        var body = $"""
            <h1>Billing</h1>
            <p class="muted">{HostedPage.E(customer.Name ?? customer.Email ?? customer.Id)}</p>
            {(notice is null ? "" : $"<p class=\"notice\" role=\"status\">{HostedPage.E(notice)}</p>")}
            {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{HostedPage.E(error)}</p>")}
            <h2>Payment method</h2>
            {card}
            <details{(cardError is null ? "" : " open")}><summary>Update payment method</summary>
            {CardForm.Html($"/billing_portal/{session.Secret}/payment_method", "Save card", cardError, values)}
            </details>
            {Subscriptions(tx, session)}
            {Invoices(tx, customer)}
            {(session.ReturnUrl is { } back ? $"<p><a href=\"{HostedPage.E(back)}\">Return to {HostedPage.E(new Uri(back).Host)}</a></p>" : "")}
            """;
        return HostedPage.Html("Billing", body, status);
    }

    private static string Subscriptions(Tx tx, PortalSessionRecord session)
    {
        var html = new StringBuilder("<h2>Subscription</h2>");
        var live = tx.S.Subscriptions.Values.Where(s => s.Customer == session.Customer && IsLive(s)).OrderBy(s => s.Seq).ToList();
        if (live.Count == 0)
        {
            return html.Append("<p>No active subscription.</p>").ToString();
        }

        foreach (var sub in live)
        {
            var products = sub.Items.Select(i => tx.S.Prices[i.Price].Product).Distinct()
                .Select(p => tx.S.Products.TryGetValue(p, out var product) ? product.Name : p);
            html.Append($"<p>{HostedPage.E(string.Join(", ", products))} · {HostedPage.E(sub.Status)} · ");
            if (sub.CancelAtPeriodEnd)
            {
                html.Append($"cancels on {InvoicePages.Date(sub.CurrentPeriodEnd)}</p>");
            }
            else
            {
                html.Append($"renews on {InvoicePages.Date(sub.CurrentPeriodEnd)}</p>");
                if (tx.Options.PortalCancellation)
                {
                    html.Append($"""
                        <form method="post" action="/billing_portal/{session.Secret}/cancel">
                          <input type="hidden" name="subscription" value="{HostedPage.E(sub.Id)}">
                          <button type="submit" class="secondary">Cancel at the end of the period</button>
                        </form>
                        """);
                }
            }
        }

        return html.ToString();
    }

    private static string Invoices(Tx tx, CustomerRecord customer)
    {
        var invoices = EmulatorState.NewestFirst(tx.S.Invoices.Values.Where(i => i.Customer == customer.Id && i.FinalizedAt is not null));
        if (invoices.Count == 0)
        {
            return "<h2>Invoices</h2><p>No invoices yet.</p>";
        }

        var rows = new StringBuilder();
        foreach (var invoice in invoices)
        {
            var name = invoice.Number ?? invoice.Id;
            var action = invoice.Status == "open" ? "Pay" : "View";
            rows.Append($"""
                <tr><td>{HostedPage.E(name)}</td><td>{InvoicePages.Date(invoice.Created)}</td><td class="num">{InvoicePages.Money(invoice.Total, invoice.Currency)}</td>
                <td>{HostedPage.E(invoice.Status)}</td><td><a href="{HostedPage.E(HostedUrls.Invoice(tx.BaseUrl, invoice.Id))}">{action}<span class="vh"> {HostedPage.E(name)}</span></a></td></tr>
                """);
        }

        return $"""
            <h2>Invoices</h2>
            <table><thead><tr><th>Number</th><th>Date</th><th class="num">Amount</th><th>Status</th><th><span class="vh">Link</span></th></tr></thead><tbody>{rows}</tbody></table>
            """;
    }

    private static string Brand(string brand) => brand switch
    {
        "amex" => "American Express",
        "mastercard" => "Mastercard",
        _ => char.ToUpperInvariant(brand[0]) + brand[1..],
    };
}
