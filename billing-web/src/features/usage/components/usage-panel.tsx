import { plainMessage } from '@/lib/api-client';
import type { UsagePoint } from '@/types/api';
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

  if (usageQuery.isPending) {
    return (
      <p role="status" className="muted">
        Loading usage…
      </p>
    );
  }
  if (usageQuery.isError) {
    return (
      <p role="alert" className="notice notice--error">
        We could not load your usage. {plainMessage(usageQuery.error)}
      </p>
    );
  }

  const usage = usageQuery.data;
  const history = pointsByMetric(historyQuery.data?.points ?? []);
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
