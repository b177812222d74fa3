import { QueryStatus } from '@/components/ui/query-status';
import type { UsagePoint, UsageResponse } from '@/types/api';
import { formatDate } from '@/utils/format';
import { useUsageHistory } from '../api/get-usage-history';
import { useUsage } from '../api/get-usage';
import { UsageMeter } from './usage-meter';
import './usage-meter.css';

function pointsByMetric(points: UsagePoint[]): Map<string, UsagePoint[]> {
  const grouped = new Map<string, UsagePoint[]>();
  for (const point of points) {
    grouped.set(point.metric, [...(grouped.get(point.metric) ?? []), point]);
  }
  return grouped;
}

/** The current period's meters, one per metric, refreshed while open. */
export function UsagePanel() {
  const usageQuery = useUsage();
  // The charts are extra: without a history (older API, or it failed) the meters still tell the story.
  const historyQuery = useUsageHistory();
  const history = pointsByMetric(historyQuery.data?.points ?? []);
  return (
    <QueryStatus query={usageQuery} loading="Loading usage…" failure="We could not load your usage.">
      {(usage) => <Meters usage={usage} history={history} />}
    </QueryStatus>
  );
}

function Meters({ usage, history }: { usage: UsageResponse; history: Map<string, UsagePoint[]> }) {
  return (
    <div className="usage-panel">
      <p className="usage-panel__period muted">
        Period {formatDate(usage.periodStart)} – {formatDate(usage.periodEnd)}
      </p>
      <div className="usage-panel__meters">
        {usage.metrics.map((metric) => (
          <UsageMeter
            key={metric.metric}
            usage={metric}
            currency={usage.currency}
            periodStart={usage.periodStart}
            periodEnd={usage.periodEnd}
            history={history.get(metric.metric)}
          />
        ))}
      </div>
    </div>
  );
}
