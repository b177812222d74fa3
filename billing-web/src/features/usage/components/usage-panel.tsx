import { plainMessage } from '@/lib/api-client';
import { formatDate, formatMoney } from '@/utils/format';
import { useUsage } from '../api/get-usage';
import { UsageMeter } from './usage-meter';
import './usage-meter.css';

/** The current period at a glance: one meter per metric and the running cost, refreshed while open. */
export function UsagePanel() {
  const usageQuery = useUsage();

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
  return (
    <div className="usage-panel">
      <p className="usage-panel__period muted">
        Period {formatDate(usage.periodStart)} – {formatDate(usage.periodEnd)}
      </p>
      <dl className="usage-panel__totals">
        <div>
          <dt>Cost so far</dt>
          <dd>{formatMoney(usage.costCents, usage.currency)}</dd>
        </div>
        <div>
          <dt>Projected for the period</dt>
          <dd>{formatMoney(usage.projectedCostCents, usage.currency)}</dd>
        </div>
      </dl>
      <div className="usage-panel__meters">
        {usage.metrics.map((metric) => (
          <UsageMeter key={metric.metric} usage={metric} currency={usage.currency} periodEnd={usage.periodEnd} />
        ))}
      </div>
    </div>
  );
}
