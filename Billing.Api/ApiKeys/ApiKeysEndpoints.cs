using Billing.Api.Auth;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.ApiKeys;

/// <summary>Tenant API keys, created by the operator for any tenant or by a tenant for itself.</summary>
public static class ApiKeysEndpoints
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/tenants/{tenantId:guid}/api-keys", CreateForTenant)
            .WithTags("API keys").RequireAuthorization(AuthPolicies.Operator).WithName("CreateTenantApiKey");
        app.MapPost("/api/v1/api-keys", CreateOwn)
            .WithTags("API keys").RequireAuthorization(AuthPolicies.Tenant).WithName("CreateApiKey");
        return app;
    }

    public static async Task<Results<Created<CreatedApiKeyResponse>, NotFound>> CreateForTenant(
        Guid tenantId, CreateApiKeyRequest? request, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CancellationToken cancellationToken)
    {
        if (!await db.Tenants.AnyAsync(t => t.Id == tenantId, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Created("/api/v1/api-keys", await IssueAsync(tenantId, request?.Name, db, clock, audit, caller, cancellationToken));
    }

    public static async Task<Created<CreatedApiKeyResponse>> CreateOwn(
        CreateApiKeyRequest? request, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CancellationToken cancellationToken) =>
        TypedResults.Created("/api/v1/api-keys", await IssueAsync(caller.RequiredTenantId, request?.Name, db, clock, audit, caller, cancellationToken));

    private static async Task<CreatedApiKeyResponse> IssueAsync(
        Guid tenantId, string? name, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CancellationToken cancellationToken)
    {
        var (key, prefix, hash) = ApiKeySecrets.Generate();
        var entity = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenantId,
            Name = string.IsNullOrWhiteSpace(name) ? "default" : name.Trim(),
            Prefix = prefix,
            Hash = hash,
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiKeys.Add(entity);
        // The audit entry names the key by id and prefix only: the secret is never written anywhere.
        audit.Record(tenantId, caller.Actor, "api_key.created", new { keyId = entity.Id, entity.Prefix, entity.Name });
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKeyResponse(entity.Id, tenantId, entity.Name, prefix, key, entity.CreatedAt);
    }
}
