import { lazy, Suspense, useId } from 'react';
import type { MetricUsage, UsagePoint } from '@/types/api';
import { formatDateTime, formatMoney, formatPercent } from '@/utils/format';
import { formatQuantity, metricLabel } from '@/utils/metrics';
import './usage-meter.css';

type UsageMeterProps = {
  usage: MetricUsage;
  currency: string;
  periodStart: string;
  /** When the period ends and a blocked metric resets (ISO-8601). */
  periodEnd: string;
  /** This metric's points of the usage history; the chart is left out when there are none. */
  history?: UsagePoint[];
};

// The charting library is most of the bundle; the meters must not wait for it.
const UsageChart = lazy(() => import('./usage-chart').then((module) => ({ default: module.UsageChart })));

export type MeterLevel = 'green' | 'yellow' | 'red';

const warningRatio = 0.8;

/** Green below 80 % of the included quantity, yellow from 80 % up to 100 %, red beyond it. */
export function meterLevel(used: number, included: number): MeterLevel {
  if (used > included) {
    return 'red';
  }
  return included > 0 && used / included >= warningRatio ? 'yellow' : 'green';
}

function usedRatio(used: number, included: number): number {
  if (included > 0) {
    return used / included;
  }
  return used > 0 ? 1 : 0;
}

// A hard cap may allow a grace above the included quantity; the tenant needs the number where usage stops.
function capText(usage: MetricUsage): string {
  if (usage.cap === 'soft') {
    return 'Soft cap';
  }
  return usage.limit === null ? 'Hard cap' : `Hard cap at ${formatQuantity(usage.limit, usage.metric)}`;
}

export function UsageMeter({ usage, currency, periodStart, periodEnd, history = [] }: UsageMeterProps) {
  const labelId = useId();
  const label = metricLabel(usage.metric);
  const ratio = usedRatio(usage.used, usage.included);
  const level = meterLevel(usage.used, usage.included);
  const blocked = usage.status === 'blocked';

  return (
    <article className="usage-meter" data-level={level} data-status={usage.status} aria-labelledby={labelId}>
      <header className="usage-meter__header">
        <h3 id={labelId} className="usage-meter__title">
          {label}
        </h3>
        <span className="usage-meter__cap">{capText(usage)}</span>
      </header>
      <div
        className="usage-meter__track"
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={usage.included}
        aria-valuenow={usage.used}
        aria-valuetext={`${formatQuantity(usage.used, usage.metric)} of ${formatQuantity(usage.included, usage.metric)} (${formatPercent(ratio)})`}
      >
        <div className="usage-meter__fill" style={{ width: `${Math.min(ratio, 1) * 100}%` }} />
      </div>
      <dl className="usage-meter__figures">
        <div>
          <dt>Used</dt>
          <dd>{formatQuantity(usage.used, usage.metric)}</dd>
        </div>
        <div>
          <dt>Included</dt>
          <dd>{formatQuantity(usage.included, usage.metric)}</dd>
        </div>
        <div>
          <dt>Remaining</dt>
          <dd>{formatQuantity(usage.remaining, usage.metric)}</dd>
        </div>
      </dl>
      {usage.cap === 'soft' && usage.overage > 0 && (
        <p className="usage-meter__overage">
          Overage: {formatQuantity(usage.overage, usage.metric)}, costing {formatMoney(usage.costCents, currency)}
        </p>
      )}
      {history.length > 0 && (
        <Suspense fallback={null}>
          <UsageChart metric={usage.metric} points={history} periodStart={periodStart} periodEnd={periodEnd} />
        </Suspense>
      )}
      {blocked && (
        <p role="alert" className="usage-meter__blocked">
          Blocked: you reached the hard cap for {label}. Usage resets on {formatDateTime(periodEnd)}.
        </p>
      )}
    </article>
  );
}
