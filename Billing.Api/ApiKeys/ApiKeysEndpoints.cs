using Billing.Api.Auth;
using Billing.Api.Http;
using Billing.Api.Problems;
using Billing.Infrastructure.Audit;
using Billing.Infrastructure.Caching;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Data.Entities;
using Billing.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Api.ApiKeys;

/// <summary>Tenant API keys, created by the operator for any tenant or by a tenant's <c>manage</c> key for itself.</summary>
public static class ApiKeysEndpoints
{
    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var forTenant = app.MapGroup("/api/v1/tenants/{tenantId:guid}/api-keys").WithTags("API keys")
            .RequireAuthorization(AuthPolicies.Operator).LimitRequestBody(RequestBodyLimits.Settings);
        forTenant.MapPost("/", CreateForTenant).WithName("CreateTenantApiKey");
        forTenant.MapGet("/", ListForTenant).WithName("ListTenantApiKeys");
        forTenant.MapDelete("/{id:guid}", RevokeForTenant).WithName("RevokeTenantApiKey");

        var own = app.MapGroup("/api/v1/api-keys").WithTags("API keys")
            .RequireAuthorization(AuthPolicies.Tenant).LimitRequestBody(RequestBodyLimits.Settings);
        // Any key may ask what it is, so a client can tell which scopes it lacks.
        own.MapGet("/current", GetCurrent).WithName("GetCurrentApiKey");
        own.MapPost("/", CreateOwn).WithName("CreateApiKey").RequireScope(ApiScopes.Manage);
        own.MapGet("/", ListOwn).WithName("ListApiKeys").RequireScope(ApiScopes.Manage);
        own.MapDelete("/{id:guid}", RevokeOwn).WithName("RevokeApiKey").RequireScope(ApiScopes.Manage);
        return app;
    }

    public static Task<Ok<ApiKeyResponse[]>> ListForTenant(Guid tenantId, BillingDbContext db, CancellationToken cancellationToken) =>
        ListAsync(tenantId, db, cancellationToken);

    public static Task<Ok<ApiKeyResponse[]>> ListOwn(CurrentTenant caller, BillingDbContext db, CancellationToken cancellationToken) =>
        ListAsync(caller.RequiredTenantId, db, cancellationToken);

    public static async Task<Results<Ok<CurrentApiKeyResponse>, NotFound>> GetCurrent(CurrentTenant caller, BillingDbContext db, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.AsNoTracking().Where(k => k.Id == caller.KeyId && k.TenantId == caller.RequiredTenantId)
            .Select(k => new CurrentApiKeyResponse(k.Id, k.TenantId, k.Name, k.Prefix, k.Scopes, k.ExpiresAt)).SingleOrDefaultAsync(cancellationToken);
        return key is null ? TypedResults.NotFound() : TypedResults.Ok(key with { Scopes = ApiScopes.Normalize(key.Scopes) });
    }

    public static Task<Results<NoContent, NotFound>> RevokeForTenant(
        Guid tenantId, Guid id, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CacheInvalidation caches, CancellationToken cancellationToken) =>
        RevokeAsync(tenantId, id, db, clock, audit, caller, caches, cancellationToken);

    public static Task<Results<NoContent, NotFound>> RevokeOwn(
        Guid id, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, CacheInvalidation caches, CancellationToken cancellationToken) =>
        RevokeAsync(caller.RequiredTenantId, id, db, clock, audit, caller, caches, cancellationToken);

    private static async Task<Ok<ApiKeyResponse[]>> ListAsync(Guid tenantId, BillingDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.ApiKeys.AsNoTracking().Where(k => k.TenantId == tenantId).OrderBy(k => k.CreatedAt)
            .Select(k => new ApiKeyResponse(k.Id, k.Name, k.Prefix, k.Scopes, k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt))
            .ToArrayAsync(cancellationToken));

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
            await caches.EvictEverywhereAsync(ApiKeyVerifier.CacheKey(key.Hash));
        }

        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem, ProblemHttpResult>> CreateForTenant(
        Guid tenantId, CreateApiKeyRequest? request, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller,
        IOptions<ApiKeyOptions> options, CancellationToken cancellationToken) =>
        await db.Tenants.AnyAsync(t => t.Id == tenantId, cancellationToken)
            ? await IssueAsync(tenantId, request, db, clock, audit, caller, options.Value, cancellationToken)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: "No tenant has this id.");

    public static Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem, ProblemHttpResult>> CreateOwn(
        CreateApiKeyRequest? request, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, IOptions<ApiKeyOptions> options,
        CancellationToken cancellationToken) =>
        IssueAsync(caller.RequiredTenantId, request, db, clock, audit, caller, options.Value, cancellationToken);

    private static async Task<Results<Created<CreatedApiKeyResponse>, ValidationProblem, ProblemHttpResult>> IssueAsync(
        Guid tenantId, CreateApiKeyRequest? request, BillingDbContext db, TimeProvider clock, AuditLog audit, CurrentTenant caller, ApiKeyOptions options,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = ApiKeyRequestValidation.Validate(request, now);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "API key not created");
        }

        var scopes = request?.Scopes is { } asked ? ApiScopes.Normalize(asked) : caller.IsOperator ? [.. ApiScopes.All] : ApiScopes.Normalize(caller.Scopes);
        // A key cannot create a key that may do more than itself.
        if (scopes.FirstOrDefault(scope => !caller.HasScope(scope)) is { } beyond)
        {
            return ScopeProblems.Insufficient(beyond, caller.Scopes);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Two concurrent requests must not both see room for one more key.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"api-keys:" + tenantId}, 0))", cancellationToken);
        var active = await db.ApiKeys.CountAsync(k => k.TenantId == tenantId && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), cancellationToken);
        if (active >= options.MaxActivePerTenant)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.ApiKeyLimit, title: "Too many API keys",
                detail: $"This tenant has {active} active API keys, the most it may have ({options.MaxActivePerTenant}). Revoke one first "
                    + "(DELETE /api/v1/api-keys/{id}), or let one expire.");
        }

        var (key, prefix, hash) = ApiKeySecrets.Generate();
        var entity = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenantId,
            Name = string.IsNullOrWhiteSpace(request?.Name) ? "default" : request.Name.Trim(),
            Prefix = prefix,
            Hash = hash,
            Scopes = scopes,
            CreatedAt = now,
            ExpiresAt = request?.ExpiresAt,
        };
        db.ApiKeys.Add(entity);
        // The audit entry names the key by id and prefix only: the secret is never written anywhere.
        audit.Record(tenantId, caller.Actor, "api_key.created", new { keyId = entity.Id, entity.Prefix, entity.Name, entity.Scopes, entity.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created("/api/v1/api-keys", new CreatedApiKeyResponse(entity.Id, tenantId, entity.Name, prefix, key, scopes, now, entity.ExpiresAt));
    }
}
