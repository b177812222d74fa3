using Billing.Domain.Catalog;
using Billing.Infrastructure.Data;
using Billing.Infrastructure.Metering;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Infrastructure.Data.Migrations
{
    /// <summary>
    /// Hourly roll-ups of the one-minute windows, so a month's usage reads ~720 rows per metric instead of ~44,000
    /// (docs/database.md, "Reading usage"). A trigger on <c>usage_aggregates</c> keeps each hour in the same transaction
    /// as the minute it folds from: whichever code writes a minute (this version's aggregation, or an older worker still
    /// running during a rolling upgrade), its hour moves with it, and a crash cannot make the two disagree. The trigger
    /// combines by each metric's aggregation, frozen here from <see cref="Metrics.All"/>; a test compares the function
    /// with the catalog, so a new metric cannot be added without a migration that updates it.
    /// </summary>
    [DbContext(typeof(BillingDbContext))]
    [Migration("20261205010000_HourlyUsageRollups")]
    public partial class HourlyUsageRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            var sum = SqlArray(MetricSql.KeysWith(MetricAggregation.Sum));
            var max = SqlArray(MetricSql.KeysWith(MetricAggregation.Max));
            migrationBuilder.Sql($"""
                CREATE TABLE usage_aggregates_hourly (
                    tenant_id uuid NOT NULL,
                    metric character varying(32) NOT NULL,
                    hour_start timestamp with time zone NOT NULL,
                    value bigint NOT NULL,
                    event_count bigint NOT NULL,
                    last_event_at timestamp with time zone,
                    last_event_id bigint NOT NULL,
                    PRIMARY KEY (tenant_id, metric, hour_start)
                );
                {TenantTableSecurity.Sql("usage_aggregates_hourly")}
                GRANT SELECT ON usage_aggregates_hourly TO {DatabaseRoles.Tenant};
                GRANT SELECT, INSERT, UPDATE ON usage_aggregates_hourly TO {DatabaseRoles.Worker};

                -- A minute inserted or grown moves its hour: counters add what the minute gained, max gauges keep the
                -- largest, last gauges the value whose newest event is latest by (time, id), as the minute windows do.
                CREATE FUNCTION usage_aggregates_roll_up_hour() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    gained bigint := NEW.value;
                    gained_events bigint := NEW.event_count;
                BEGIN
                    IF TG_OP = 'UPDATE' THEN
                        gained := NEW.value - OLD.value;
                        gained_events := NEW.event_count - OLD.event_count;
                    END IF;
                    INSERT INTO usage_aggregates_hourly AS h (tenant_id, metric, hour_start, value, event_count, last_event_at, last_event_id)
                    VALUES (NEW.tenant_id, NEW.metric, date_trunc('hour', NEW.window_start, 'UTC'),
                            CASE WHEN NEW.metric = ANY({sum}) THEN gained ELSE NEW.value END, gained_events, NEW.last_event_at, NEW.last_event_id)
                    ON CONFLICT (tenant_id, metric, hour_start) DO UPDATE SET
                        value = CASE WHEN excluded.metric = ANY({sum}) THEN h.value + excluded.value
                                     WHEN excluded.metric = ANY({max}) THEN GREATEST(h.value, excluded.value)
                                     WHEN (excluded.last_event_at, excluded.last_event_id) > (h.last_event_at, h.last_event_id) THEN excluded.value
                                     ELSE h.value END,
                        event_count = h.event_count + excluded.event_count,
                        last_event_id = CASE WHEN (excluded.last_event_at, excluded.last_event_id) > (h.last_event_at, h.last_event_id)
                                             THEN excluded.last_event_id ELSE h.last_event_id END,
                        last_event_at = GREATEST(h.last_event_at, excluded.last_event_at);
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER roll_up_hour_on_insert AFTER INSERT ON usage_aggregates
                    FOR EACH ROW EXECUTE FUNCTION usage_aggregates_roll_up_hour();
                -- Only a fold grows a minute's event count; closing buckets (submission_pending) leaves hours alone.
                CREATE TRIGGER roll_up_hour_on_update AFTER UPDATE ON usage_aggregates
                    FOR EACH ROW WHEN (NEW.event_count <> OLD.event_count) EXECUTE FUNCTION usage_aggregates_roll_up_hour();

                -- The hours of the minutes folded so far, under a lock that keeps folds out until this commits.
                LOCK TABLE usage_aggregates IN SHARE MODE;
                INSERT INTO usage_aggregates_hourly (tenant_id, metric, hour_start, value, event_count, last_event_at, last_event_id)
                SELECT tenant_id, metric, date_trunc('hour', window_start, 'UTC'),
                       CASE WHEN metric = ANY({sum}) THEN sum(value)
                            WHEN metric = ANY({max}) THEN max(value)
                            ELSE (array_agg(value ORDER BY last_event_at DESC, last_event_id DESC))[1] END::bigint,
                       sum(event_count), max(last_event_at), (array_agg(last_event_id ORDER BY last_event_at DESC, last_event_id DESC))[1]
                FROM usage_aggregates GROUP BY tenant_id, metric, date_trunc('hour', window_start, 'UTC');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""
                DROP TRIGGER roll_up_hour_on_update ON usage_aggregates;
                DROP TRIGGER roll_up_hour_on_insert ON usage_aggregates;
                DROP FUNCTION usage_aggregates_roll_up_hour();
                DROP TABLE usage_aggregates_hourly;
                """);

        private static string SqlArray(IEnumerable<string> keys) => $"'{{{string.Join(',', keys)}}}'::text[]";
    }
}
