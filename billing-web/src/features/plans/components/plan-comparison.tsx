import { formatMoney, formatNumber } from '@/utils/format';
import { formatPerUnits, formatQuantity, metricLabel } from '@/utils/metrics';
import type { Plan, Quota } from '../api/types';

type PlanComparisonProps = { plans: Plan[]; currency: string; currentPlan?: string };

/** Metrics in the order the first plan lists them, plus any a later plan adds. */
function metricsOf(plans: Plan[]): string[] {
  return [...new Set(plans.flatMap((plan) => plan.quotas.map((quota) => quota.metric)))];
}

function capText(quota: Quota): string {
  if (quota.cap === 'soft') {
    return 'Soft cap';
  }
  return quota.gracePercent > 0 ? `Hard cap, ${formatNumber(quota.gracePercent)}% grace` : 'Hard cap';
}

function overageText(quota: Quota, currency: string): string {
  if (!quota.overage) {
    return 'No overage';
  }
  const { amountCents, perUnits } = quota.overage;
  return `${formatMoney(amountCents, currency)} per ${formatPerUnits(perUnits, quota.metric)} over`;
}

export function PlanComparison({ plans, currency, currentPlan }: PlanComparisonProps) {
  return (
    <div className="plan-comparison" tabIndex={0} role="region" aria-labelledby="plan-comparison-caption">
      <table>
        <caption id="plan-comparison-caption">Compare plans</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            {plans.map((plan) => (
              <th key={plan.id} scope="col" data-current={plan.id === currentPlan}>
                {plan.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {metricsOf(plans).map((metric) => (
            <tr key={metric}>
              <th scope="row">{metricLabel(metric)}</th>
              {plans.map((plan) => {
                const quota = plan.quotas.find((q) => q.metric === metric);
                return (
                  <td key={plan.id} data-current={plan.id === currentPlan}>
                    {quota ? (
                      <>
                        <span className="plan-comparison__included">{formatQuantity(quota.included, metric)}</span>
                        <span className="plan-comparison__cap" data-cap={quota.cap}>
                          {capText(quota)}
                        </span>
                        <span className="plan-comparison__overage">{overageText(quota, currency)}</span>
                      </>
                    ) : (
                      'Not included'
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
