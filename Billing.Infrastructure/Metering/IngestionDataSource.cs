using Billing.Infrastructure.Data;
using Npgsql;

namespace Billing.Infrastructure.Metering;

/// <summary>
/// The group commit's connections: the API's login working as <c>billing_ingest</c> from the moment it connects (a
/// startup option, so no round trip per group and no pool reset takes it off). One group carries several tenants'
/// events in one binary <c>COPY</c>, which PostgreSQL refuses under row-level security, so this role bypasses it; in
/// exchange it may only insert into <c>usage_event_ids</c> and <c>usage_events</c> and read nothing, not even its own rows.
/// </summary>
public sealed class IngestionDataSource(string connectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = Build(connectionString);

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static NpgsqlDataSource Build(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c role={DatabaseRoles.Ingest}".Trim();
        return builder.Build();
    }
}
