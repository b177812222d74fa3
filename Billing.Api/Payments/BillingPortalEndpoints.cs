using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Api.StripeRoutes;
using Billing.Infrastructure.Security;
using Billing.Infrastructure.Stripe;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Billing.Api.Payments;

/// <param name="Url">Stripe's customer portal for the caller's own customer; it returns to the dashboard.</param>
public sealed record PortalResponse(string Url);

/// <summary>The tenant's way to Stripe's customer portal: replace the card, pay open invoices, see past ones.</summary>
public static class BillingPortalEndpoints
{
    public static IEndpointRouteBuilder MapBillingPortalApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/billing").WithTags("Billing").RequireAuthorization(AuthPolicies.Tenant)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.MapPost("/portal", OpenPortal).WithName("OpenBillingPortal").RequireScope(ApiScopes.Manage).RequireStripeCallBudget();
        return app;
    }

    public static async Task<Results<Ok<PortalResponse>, ProblemHttpResult>> OpenPortal(
        CurrentTenant caller, StripeCheckout checkout, IOptions<StripeOptions> stripe, CancellationToken cancellationToken)
    {
        if (!stripe.Value.Enabled || !checkout.CanReturn)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, type: ProblemTypes.PaymentsNotConfigured,
                title: "Payments are not set up", detail: "This deployment takes no card payments (Stripe and Payments:DashboardUrl must be configured).");
        }

        return TypedResults.Ok(new PortalResponse(await checkout.OpenPortalAsync(caller.RequiredTenantId, caller.Actor, cancellationToken)));
    }
}
