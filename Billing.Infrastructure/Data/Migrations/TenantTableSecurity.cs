namespace Billing.Infrastructure.Data.Migrations;

/// <summary>
/// Row-level security as every tenant table has it (docs/database.md, "Row-level security"): enabled and forced, the
/// tenant role's policy on <c>app.tenant_id</c>, and the policies of the roles that work across tenants.
/// </summary>
internal static class TenantTableSecurity
{
    public static string Sql(string table) => $"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON {table} TO {DatabaseRoles.Tenant}
          USING (tenant_id = nullif(current_setting('{DatabaseRoles.TenantSetting}', true), '')::uuid)
          WITH CHECK (tenant_id = nullif(current_setting('{DatabaseRoles.TenantSetting}', true), '')::uuid);
        CREATE POLICY operator_all_tenants ON {table} TO {DatabaseRoles.Operator} USING (true) WITH CHECK (true);
        CREATE POLICY worker_all_tenants ON {table} TO {DatabaseRoles.Worker} USING (true) WITH CHECK (true);
        CREATE POLICY owner_all_tenants ON {table} TO CURRENT_USER USING (true) WITH CHECK (true);
        """;
}
