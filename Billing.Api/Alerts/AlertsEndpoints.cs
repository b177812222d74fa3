using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Domain.Catalog;
using Billing.Infrastructure.Alerts;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Api.Alerts;

/// <summary>The tenant's usage alerts (raised by the worker) and where and how they are delivered.</summary>
public static class AlertsEndpoints
{
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alerts").WithTags("Alerts").RequireAuthorization(AuthPolicies.Tenant)
            .LimitRequestBody(RequestBodyLimits.Settings);
        group.MapGet("/", List).WithName("ListAlerts").RequireScope(ApiScopes.Read);
        group.MapGet("/settings", GetSettings).WithName("GetAlertSettings").RequireScope(ApiScopes.Read);
        group.MapPut("/settings", PutSettings).WithName("UpdateAlertSettings").RequireScope(ApiScopes.Manage);
        group.MapPost("/settings/rotate-secret", RotateSecret).WithName("RotateAlertSecret").RequireScope(ApiScopes.Manage);
        return app;
    }

    /// <param name="before">The id of the last alert of the previous page: only older alerts follow.</param>
    public static async Task<Results<Ok<AlertListResponse>, ValidationProblem>> List(
        CurrentTenant caller, BillingDbContext db, CancellationToken cancellationToken, int limit = 50, Guid? before = null)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"1 ≤ limit ≤ {MaxLimit}."] });
        }

        var query = db.UsageAlerts.AsNoTracking().Where(a => a.TenantId == caller.RequiredTenantId);
        if (before is { } cursorId)
        {
            var cursor = await query.Where(a => a.Id == cursorId).Select(a => (DateTimeOffset?)a.CreatedAt).SingleOrDefaultAsync(cancellationToken);
            if (cursor is not { } createdAt)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["before"] = ["No such alert."] });
            }

            query = query.Where(a => a.CreatedAt < createdAt || (a.CreatedAt == createdAt && a.Id.CompareTo(cursorId) < 0));
        }

        var alerts = await query.OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Take(limit)
            .Select(a => new AlertResponse(a.Id, a.Kind, a.Metric, a.ThresholdPercent, a.PeriodStart, a.Value, a.Limit, a.CreatedAt, a.DeliveryStatus))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new AlertListResponse(alerts));
    }

    public static async Task<Results<Ok<AlertSettingsResponse>, NotFound>> GetSettings(
        CurrentTenant caller, BillingDbContext db, BillingCatalog catalog, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Id == caller.RequiredTenantId, cancellationToken);
        return tenant is null ? TypedResults.NotFound() : TypedResults.Ok(Settings(tenant, catalog, secret: null));
    }

    /// <summary>
    /// Replaces both settings. The first URL gets a new signing secret (shown in this response only); changing the URL
    /// keeps it; removing the URL removes it, so the next URL starts with a secret nobody saw before.
    /// </summary>
    public static async Task<Results<Ok<AlertSettingsResponse>, ValidationProblem, NotFound>> PutSettings(
        AlertSettingsRequest request, CurrentTenant caller, BillingDbContext db, BillingCatalog catalog, AuditLog audit, TimeProvider clock,
        IOptions<AlertOptions> alertOptions, CancellationToken cancellationToken)
    {
        var errors = AlertSettingsValidation.Validate(request, alertOptions.Value);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Alert settings rejected", detail: "Nothing was changed.");
        }

        var tenant = await db.Tenants.SingleOrDefaultAsync(t => t.Id == caller.RequiredTenantId, cancellationToken);
        if (tenant is null)
        {
            return TypedResults.NotFound();
        }

        var previous = (tenant.AlertWebhookUrl, tenant.SpendLimitCents);
        string? newSecret = null;
        if (request.WebhookUrl is null)
        {
            tenant.AlertWebhookSecret = null;
        }
        else if (tenant.AlertWebhookSecret is null)
        {
            newSecret = AlertSecrets.Generate();
            tenant.AlertWebhookSecret = newSecret;
        }

        tenant.AlertWebhookUrl = request.WebhookUrl;
        tenant.SpendLimitCents = request.SpendLimitCents;
        // Saving the same settings again writes nothing, not even an audit entry.
        if (db.ChangeTracker.HasChanges())
        {
            tenant.UpdatedAt = clock.GetUtcNow();
            // The URL's host only (a path or query may carry a receiver's token); the secret by its prefix, never in full.
            audit.Record(tenant.Id, caller.Actor, "alert_settings.updated", new
            {
                webhookHost = HostOf(request.WebhookUrl),
                previousWebhookHost = HostOf(previous.AlertWebhookUrl),
                tenant.SpendLimitCents,
                previousSpendLimitCents = previous.SpendLimitCents,
                newSecretPrefix = AlertSecrets.VisiblePrefix(newSecret),
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(Settings(tenant, catalog, newSecret));
    }

    public static async Task<Results<Ok<RotatedSecretResponse>, ProblemHttpResult>> RotateSecret(
        CurrentTenant caller, BillingDbContext db, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.SingleOrDefaultAsync(t => t.Id == caller.RequiredTenantId, cancellationToken);
        if (tenant?.AlertWebhookUrl is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.NoAlertWebhook,
                title: "No alert webhook", detail: "Set a webhook URL first: its signing secret is created with it.");
        }

        var secret = AlertSecrets.Generate();
        var previousPrefix = AlertSecrets.VisiblePrefix(tenant.AlertWebhookSecret);
        tenant.AlertWebhookSecret = secret;
        tenant.UpdatedAt = clock.GetUtcNow();
        audit.Record(tenant.Id, caller.Actor, "alert_settings.secret_rotated", new { previousPrefix, prefix = AlertSecrets.VisiblePrefix(secret) });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new RotatedSecretResponse(secret, AlertSecrets.VisiblePrefix(secret)!));
    }

    private static string? HostOf(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : null;

    private static AlertSettingsResponse Settings(Tenant tenant, BillingCatalog catalog, string? secret) => new(
        tenant.AlertWebhookUrl, tenant.SpendLimitCents, catalog.Currency, tenant.AlertWebhookSecret is not null,
        AlertSecrets.VisiblePrefix(tenant.AlertWebhookSecret), secret);
}
