import type { UsageAlert } from '@/types/api';
import { formatMoney, formatPercent } from '@/utils/format';
import { formatQuantity, metricLabel } from '@/utils/metrics';
import { useAlerts } from '../api/get-alerts';
import './alerts-banner.css';

type AlertsBannerProps = {
  /** Start of the current billing period (ISO-8601): older alerts are history, not news. */
  periodStart: string;
  currency: string;
};

function alertText(alert: UsageAlert, currency: string): string {
  const share = formatPercent(alert.thresholdPercent / 100);
  if (alert.kind === 'spend') {
    return `Spending reached ${share} of your limit: ${formatMoney(alert.value, currency)} of ${formatMoney(alert.limit, currency)}.`;
  }
  const metric = alert.metric ?? '';
  return `${metricLabel(metric)} reached ${share} of the included quantity: ${formatQuantity(alert.value, metric)} of ${formatQuantity(alert.limit, metric)}.`;
}

/** Within the period only the highest threshold crossed per metric matters: 100 % supersedes 80 % and 50 %. */
function currentAlerts(alerts: UsageAlert[], periodStart: string): UsageAlert[] {
  const start = Date.parse(periodStart);
  const highest = new Map<string, UsageAlert>();
  for (const alert of alerts) {
    if (Date.parse(alert.periodStart) !== start) {
      continue;
    }
    const key = `${alert.kind}:${alert.metric ?? ''}`;
    const kept = highest.get(key);
    if (!kept || alert.thresholdPercent > kept.thresholdPercent) {
      highest.set(key, alert);
    }
  }
  return [...highest.values()].sort((a, b) => b.thresholdPercent - a.thresholdPercent);
}

export function AlertsBanner({ periodStart, currency }: AlertsBannerProps) {
  const alertsQuery = useAlerts();
  // The banner is a courtesy: without alerts (none yet, not served, or failed) the meters still show the numbers.
  const alerts = currentAlerts(alertsQuery.data?.items ?? [], periodStart);
  if (alerts.length === 0) {
    return null;
  }
  return (
    <section className="alerts-banner" aria-label="Usage alerts">
      <ul>
        {alerts.map((alert) => (
          <li key={alert.id} data-threshold={alert.thresholdPercent}>
            {alertText(alert, currency)}
          </li>
        ))}
      </ul>
    </section>
  );
}
