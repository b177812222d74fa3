import { QueryStatus } from '@/components/ui/query-status';
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
  return (
    <QueryStatus query={usageQuery} loading="Loading the projected invoice…" failure="We could not project your invoice.">
      {(usage) => <Figures usage={usage} />}
    </QueryStatus>
  );
}

function Figures({ usage }: { usage: UsageResponse }) {
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
