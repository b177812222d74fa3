namespace Billing.Infrastructure.Data;

/// <summary>
/// The PostgreSQL roles the services work as; what each may touch, and why, is in <c>docs/security.md</c> ("Database
/// roles"). Only the migration service connects as the schema's owner. The API and worker connect as logins that own
/// nothing, bypass nothing and hold only their grants; the API's own login reaches no tenant table and takes on one of
/// three narrower roles for each piece of work.
/// </summary>
public static class DatabaseRoles
{
    /// <summary>The login that owns the schema and runs migrations (any name works; provisioning uses this one).</summary>
    public const string Owner = "billing_owner";

    /// <summary>The API's login: Stripe's webhook inbox and the catalog's ids; everything else through the roles below.</summary>
    public const string Api = "billing_api";

    /// <summary>The worker's login: jobs across every tenant, through its own policy on each tenant table, and Hangfire's schema.</summary>
    public const string Worker = "billing_worker";

    /// <summary>A tenant key's request: only the rows of <c>app.tenant_id</c>, and no table without a tenant column.</summary>
    public const string Tenant = "billing_tenant";

    /// <summary>The API's work for the operator (and API-key lookup, before the tenant is known): every tenant, few tables.</summary>
    public const string Operator = "billing_operator";

    /// <summary>
    /// The group commit: <c>INSERT</c> (and so binary <c>COPY</c>) into <c>usage_event_ids</c> and <c>usage_events</c>, nothing else. It bypasses
    /// row-level security because PostgreSQL refuses <c>COPY FROM</c> under it, and reads nothing, so it cannot see a row.
    /// </summary>
    public const string Ingest = "billing_ingest";

    /// <summary>The custom setting that names the tenant of a <see cref="Tenant"/> session.</summary>
    public const string TenantSetting = "app.tenant_id";
}
