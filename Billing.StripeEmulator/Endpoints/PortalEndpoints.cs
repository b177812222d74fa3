using Billing.StripeEmulator.Rendering;
using Billing.StripeEmulator.State;
using Billing.StripeEmulator.Wire;

namespace Billing.StripeEmulator.Endpoints;

/// <summary><c>/v1/billing_portal/sessions</c>: the customer portal at <c>url</c> shows invoices and the card, and replaces it.</summary>
public static class PortalEndpoints
{
    /// <summary>Maps customer portal sessions.</summary>
    public static void MapPortalSessions(this IEndpointRouteBuilder app) =>
        app.MapStripePost("/v1/billing_portal/sessions", (tx, call) =>
        {
            var customer = CustomerEndpoints.Live(tx, call.Form.Required("customer"), "customer");
            var returnUrl = call.Form.Str("return_url") is { Length: > 0 } url ? Urls.Absolute(url, "return_url") : null;

            var session = tx.S.Add(tx.S.PortalSessions, new PortalSessionRecord
            {
                Id = Ids.New("bps_"),
                Created = tx.NowForCustomer(customer.Id),
                Customer = customer.Id,
                ReturnUrl = returnUrl,
                Secret = Ids.New("", 32),
            });
            return PaymentJson.PortalSession(session, HostedUrls.Portal(tx.BaseUrl, session.Secret));
        });
}
