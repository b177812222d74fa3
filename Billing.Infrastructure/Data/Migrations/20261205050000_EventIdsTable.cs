using Billing.Infrastructure.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Duplicates are decided in <c>usage_event_ids</c> instead of a unique index on <c>usage_events</c> (docs/database.md,
    /// "Event store layout at scale"). Client ids are random, so every new id lands on a random page of whatever index
    /// holds them: once that index outgrows memory, ingestion slows with the history. The ids here expire
    /// (<c>Usage:EventIdRetentionDays</c>, the worker's <c>expire-event-ids</c> job), so this index holds the ids of the
    /// retention window only, however many events are stored; <c>usage_events</c> keeps indexes that new rows append to.
    /// The existing events' ids are copied under a lock that keeps writers out until this commits. The dropped index is
    /// the one an older API's deduplicating insert names: stop the older API replicas before this migration runs.
    /// </summary>
    [DbContext(typeof(BillingDbContext))]
    [Migration("20261205050000_EventIdsTable")]
    public partial class EventIdsTable : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql($"""
                CREATE TABLE usage_event_ids (
                    tenant_id uuid NOT NULL,
                    event_id character varying(100) NOT NULL,
                    received_at timestamp with time zone NOT NULL DEFAULT now(),
                    CONSTRAINT pk_usage_event_ids PRIMARY KEY (tenant_id, event_id)
                );
                -- The expiry's scan: ids are appended in receipt order, so this index only ever grows at its end.
                CREATE INDEX ix_usage_event_ids_received_at ON usage_event_ids (received_at);
                {TenantTableSecurity.Sql("usage_event_ids")}
                GRANT INSERT (tenant_id, event_id) ON usage_event_ids TO {DatabaseRoles.Ingest};
                -- The receipt time is the database's own (its default): a tenant session cannot date an id back to expire it early.
                GRANT SELECT, DELETE ON usage_event_ids TO {DatabaseRoles.Tenant};
                GRANT INSERT (tenant_id, event_id) ON usage_event_ids TO {DatabaseRoles.Tenant};
                GRANT SELECT, DELETE ON usage_event_ids TO {DatabaseRoles.Worker};

                LOCK TABLE usage_events IN SHARE MODE;
                INSERT INTO usage_event_ids (tenant_id, event_id, received_at)
                SELECT tenant_id, event_id, received_at FROM usage_events;
                DROP INDEX ix_usage_events_tenant_id_event_id;
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""
                CREATE UNIQUE INDEX ix_usage_events_tenant_id_event_id ON usage_events (tenant_id, event_id);
                DROP TABLE usage_event_ids;
                """);
    }
}
