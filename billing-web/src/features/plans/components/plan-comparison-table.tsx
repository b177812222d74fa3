import type { Plan, PlanId, Quota } from '@/types/api';
import { formatPercent, formatUnitPrice } from '@/utils/format';
import { formatPerUnits, formatQuantity, metricLabel } from '@/utils/metrics';

type PlanComparisonTableProps = { plans: Plan[]; currency: string; currentPlan?: PlanId };

// Plans may list different metrics (per-tenant overrides); the table shows every metric any plan has.
function metricsOf(plans: Plan[]): string[] {
  return [...new Set(plans.flatMap((plan) => plan.quotas.map((quota) => quota.metric)))];
}

function capText(quota: Quota): string {
  if (quota.cap === 'soft') {
    return 'Soft cap';
  }
  const limit = quota.hardLimit === null ? '' : `, blocks at ${formatQuantity(quota.hardLimit, quota.metric)}`;
  const grace = quota.gracePercent > 0 ? ` (${formatPercent(quota.gracePercent / 100)} grace${limit})` : '';
  return `Hard cap${grace}`;
}

function overageText(quota: Quota, currency: string): string {
  if (!quota.overage) {
    return 'No overage';
  }
  return `${formatUnitPrice(quota.overage.amountCents, currency)} per ${formatPerUnits(quota.overage.perUnits, quota.metric)}`;
}

type Aspect = { label: string; text: (quota: Quota, currency: string) => string };

const aspects: Aspect[] = [
  { label: 'Included', text: (quota: Quota) => formatQuantity(quota.included, quota.metric) },
  { label: 'Cap', text: capText },
  { label: 'Overage price', text: overageText },
];

export function PlanComparisonTable({ plans, currency, currentPlan }: PlanComparisonTableProps) {
  return (
    <div className="comparison" tabIndex={0} role="region" aria-label="Feature comparison, scrollable">
      <table className="comparison__table">
        <caption className="comparison__caption">Feature comparison</caption>
        <thead>
          <tr>
            <td />
            {plans.map((plan) => (
              <th key={plan.id} scope="col" data-current={plan.id === currentPlan || undefined}>
                {plan.name}
                {plan.id === currentPlan && <span className="visually-hidden"> (current plan)</span>}
              </th>
            ))}
          </tr>
        </thead>
        {metricsOf(plans).map((metric) => (
          <tbody key={metric}>
            <tr className="comparison__group">
              <th scope="colgroup" colSpan={plans.length + 1}>
                {metricLabel(metric)}
              </th>
            </tr>
            {aspects.map((aspect) => (
              <tr key={aspect.label}>
                <th scope="row">
                  <span className="visually-hidden">{metricLabel(metric)}: </span>
                  {aspect.label}
                </th>
                {plans.map((plan) => {
                  const quota = plan.quotas.find((candidate) => candidate.metric === metric);
                  return (
                    <td key={plan.id} data-current={plan.id === currentPlan || undefined}>
                      {quota ? aspect.text(quota, currency) : 'Not included'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}
