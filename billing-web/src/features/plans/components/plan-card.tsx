import type { Plan } from '@/types/api';
import { formatMoney } from '@/utils/format';
import type { ChangeDirection } from './plan-change';

type PlanCardProps = {
  plan: Plan;
  currency: string;
  isCurrent: boolean;
  /** How choosing this plan would change the tenant's; null when it cannot be chosen. */
  direction: ChangeDirection | null;
  onChoose: (plan: Plan) => void;
};

export function PlanCard({ plan, currency, isCurrent, direction, onChoose }: PlanCardProps) {
  const headingId = `plan-${plan.id}-name`;
  return (
    <li
      className="plan-card"
      data-current={isCurrent || undefined}
      aria-current={isCurrent || undefined}
      aria-labelledby={headingId}
    >
      <div className="plan-card__header">
        <h3 id={headingId} className="plan-card__name">
          {plan.name}
        </h3>
        {isCurrent && <span className="badge">Current plan</span>}
      </div>
      <p className="plan-card__price">
        <span className="plan-card__amount">{formatMoney(plan.basePriceCents, currency)}</span> per month
      </p>
      <p className="plan-card__grace">
        {plan.paymentGraceDays > 0 ? `${plan.paymentGraceDays} days to settle a failed payment` : 'No payment grace period'}
      </p>
      {direction && (
        <button
          type="button"
          className={direction === 'upgrade' ? 'button button--primary' : 'button'}
          onClick={() => onChoose(plan)}
        >
          {direction === 'upgrade' ? 'Upgrade' : 'Downgrade'} to {plan.name}
        </button>
      )}
    </li>
  );
}
