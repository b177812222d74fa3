using Billing.Testing;

namespace Billing.Api.Tests.Gateway;

/// <summary>
/// The shipped lease configuration (deploy/gateway/nginx-lease) on Debian's nginx with its Lua module, two API replicas
/// behind it, and leases short enough (6 s, closed 1 s after) that the tests see them end.
/// </summary>
public sealed class LeaseGatewayFixture(DataStoresFixture stores) : NginxGatewayFixture(stores, leases: true, ShortLeases)
{
    public static readonly (string Key, string Value)[] ShortLeases =
    [
        ("Gateway:Leases:LifetimeSeconds", "6"),
        ("Gateway:Leases:GraceSeconds", "1"),
        ("Gateway:Leases:SweepIntervalMilliseconds", "200"),
    ];
}
