namespace Billing.Testing;

/// <summary>One test class's migrated database, as each party connects to it.</summary>
/// <param name="Superuser">The tests' own connection: seeds and checks, seeing every row (superusers bypass row-level security).</param>
/// <param name="Owner">The migration service's login (<c>ConnectionStrings:billingdb-owner</c>).</param>
/// <param name="Api">The API's login (its <c>ConnectionStrings:billingdb</c>).</param>
/// <param name="Worker">The worker's login (its <c>ConnectionStrings:billingdb</c>).</param>
public sealed record TestDatabase(string Superuser, string Owner, string Api, string Worker);
