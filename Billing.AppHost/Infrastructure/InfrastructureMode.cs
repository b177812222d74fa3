namespace Billing.AppHost.Infrastructure;

/// <summary>How PostgreSQL and Redis are run: as containers, or as local processes.</summary>
public enum InfrastructureMode
{
    Containers,
    Local,
}
