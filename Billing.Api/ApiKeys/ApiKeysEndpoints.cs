using Billing.Api.Auth;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Caching;
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
        app.MapGet("/api/v1/tenants/{tenantId:guid}/api-keys", ListForTenant)
            .WithTags("API keys").RequireAuthorization(AuthPolicies.Operator).WithName("ListTenantApiKeys");
        app.MapDelete("/api/v1/tenants/{tenantId:guid}/api-keys/{id:guid}", RevokeForTenant)
            .WithTags("API keys").RequireAuthorization(AuthPolicies.Operator).WithName("RevokeTenantApiKey");
        app.MapPost("/api/v1/api-keys", CreateOwn)
            .WithTags("API keys").RequireAuthorization(AuthPolicies.Tenant).WithName("CreateApiKey");
        app.MapGet("/api/v1/api-keys", ListOwn)
            .WithTags("API keys").RequireAuthorization(AuthPolicies.Tenant).WithName("ListApiKeys");
        app.MapDelete("/api/v1/api-keys/{id:guid}", RevokeOwn)
            .WithTags("API keys").RequireAuthorization(AuthPolicies.Tenant).WithName("RevokeApiKey");
        return app;
    }

    public static Task<Ok<ApiKeyResponse[]>> ListForTenant(Guid tenantId, BillingDbContext db, CancellationToken cancellationToken) =>
        ListAsync(tenantId, db, cancellationToken);

    public static Task<Ok<ApiKeyResponse[]>> ListOwn(CurrentTenant caller, BillingDbContext db, CancellationToken cancellationToken) =>
        ListAsync(caller.RequiredTenantId, db, cancellationToken);

    public static Task<Results<NoContent, NotFound>> RevokeForTenant(
        Guid tenantId, Guid id, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CacheInvalidation caches, CancellationToken cancellationToken) =>
        RevokeAsync(tenantId, id, db, clock, audit, caller, caches, cancellationToken);

    public static Task<Results<NoContent, NotFound>> RevokeOwn(
        Guid id, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CacheInvalidation caches, CancellationToken cancellationToken) =>
        RevokeAsync(caller.RequiredTenantId, id, db, clock, audit, caller, caches, cancellationToken);

    private static async Task<Ok<ApiKeyResponse[]>> ListAsync(Guid tenantId, BillingDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.ApiKeys.AsNoTracking().Where(k => k.TenantId == tenantId).OrderBy(k => k.CreatedAt)
            .Select(k => new ApiKeyResponse(k.Id, k.Name, k.Prefix, k.CreatedAt, k.RevokedAt)).ToArrayAsync(cancellationToken));

    private static async Task<Results<NoContent, NotFound>> RevokeAsync(
        Guid tenantId, Guid id, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CacheInvalidation caches, CancellationToken cancellationToken)
    {
        // Another tenant's key answers exactly like a missing one.
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id && k.TenantId == tenantId, cancellationToken);
        if (key is null)
        {
            return TypedResults.NotFound();
        }

        if (key.RevokedAt is null)
        {
            key.RevokedAt = clock.GetUtcNow();
            audit.Record(tenantId, caller.Actor, "api_key.revoked", new { keyId = key.Id, key.Prefix });
            await db.SaveChangesAsync(cancellationToken);
            // Every replica forgets the key at once instead of trusting its cached verification.
            await caches.EvictEverywhereAsync(ApiKeyAuthenticationHandler.CacheKey(key.Hash));
        }

        return TypedResults.NoContent();
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
