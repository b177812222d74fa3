import { plainMessage } from '@/lib/api-client';
import type { UsageResponse } from '@/types/api';
import { formatDate, formatMoney } from '@/utils/format';
import { useUsage } from '../api/get-usage';
import './projected-invoice.css';

type Breakdown = { baseFee: number; overageSoFar: number; projectedOverage: number; projectedTotal: number };

/** Summed from the metrics so the lines always add up to the total shown beneath them. */
function breakdown(usage: UsageResponse): Breakdown {
  const overageSoFar = usage.metrics.reduce((sum, metric) => sum + metric.costCents, 0);
  const projectedOverage = usage.metrics.reduce((sum, metric) => sum + metric.projectedCostCents, 0);
  return {
    baseFee: usage.baseFeeCents,
    overageSoFar,
    projectedOverage,
    projectedTotal: usage.baseFeeCents + projectedOverage,
  };
}

/** What this period's invoice will come to: the base fee, overage so far and where the current pace leads. */
export function ProjectedInvoice() {
  const usageQuery = useUsage();

  if (usageQuery.isPending) {
    return (
      <p role="status" className="muted">
        Loading the projected invoice…
      </p>
    );
  }
  if (usageQuery.isError) {
    return (
      <p role="alert" className="notice notice--error">
        We could not project your invoice. {plainMessage(usageQuery.error)}
      </p>
    );
  }

  const usage = usageQuery.data;
  const money = (cents: number) => formatMoney(cents, usage.currency);
  const figures = breakdown(usage);
  return (
    <dl className="projected-invoice">
      <div>
        <dt>Base fee</dt>
        <dd>{money(figures.baseFee)}</dd>
      </div>
      <div>
        <dt>Overage so far</dt>
        <dd>{money(figures.overageSoFar)}</dd>
      </div>
      <div>
        <dt>Projected overage by {formatDate(usage.periodEnd)}</dt>
        <dd>{money(figures.projectedOverage)}</dd>
      </div>
      <div className="projected-invoice__total">
        <dt>Projected invoice</dt>
        <dd>{money(figures.projectedTotal)}</dd>
      </div>
    </dl>
  );
}
