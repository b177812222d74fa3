import { formatMoney } from '@/utils/format';
import type { Plan } from '../api/types';
import type { ChangeDirection } from './plan-change';

type PlanCardProps = {
  plan: Plan;
  currency: string;
  isCurrent: boolean;
  direction: ChangeDirection | null;
  onChoose: (plan: Plan) => void;
};

export function PlanCard({ plan, currency, isCurrent, direction, onChoose }: PlanCardProps) {
  const headingId = `plan-${plan.id}-name`;
  return (
    <li className="plan-card" data-current={isCurrent} aria-labelledby={headingId}>
      <div className="plan-card__head">
        <h3 id={headingId} className="plan-card__name">
          {plan.name}
        </h3>
        {isCurrent && <span className="badge">Current plan</span>}
      </div>
      <p className="plan-card__price">
        <span className="plan-card__amount">{formatMoney(plan.basePriceCents, currency)}</span> per month
      </p>
      <p className="plan-card__grace">
        {plan.paymentGraceDays > 0
          ? `${plan.paymentGraceDays} days to settle a failed payment`
          : 'No payment grace period'}
      </p>
      {direction && (
        <button
          type="button"
          className={direction === 'upgrade' ? 'button button--primary' : 'button button--secondary'}
          onClick={() => onChoose(plan)}
        >
          {direction === 'upgrade' ? `Upgrade to ${plan.name}` : `Downgrade to ${plan.name}`}
        </button>
      )}
    </li>
  );
}
