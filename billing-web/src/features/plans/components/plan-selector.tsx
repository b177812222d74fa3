import { plainMessage } from '@/lib/api-client';
import { formatMoney } from '@/utils/format';
import { usePlans } from '../api/get-plans';
import './plan-selector.css';

export function PlanSelector() {
  const plansQuery = usePlans();

  if (plansQuery.isPending) {
    return (
      <p role="status" className="muted">
        Loading plans…
      </p>
    );
  }
  if (plansQuery.isError) {
    return (
      <div role="alert" className="notice notice--error">
        <p>We could not load the plans. {plainMessage(plansQuery.error)}</p>
        <button type="button" className="button" onClick={() => plansQuery.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  const { currency, plans } = plansQuery.data;
  return (
    <ul className="plan-cards" aria-label="Plans">
      {plans.map((plan) => (
        <li key={plan.id} className="plan-card">
          <h3 className="plan-card__name">{plan.name}</h3>
          <p className="plan-card__price">
            <span className="plan-card__amount">{formatMoney(plan.basePriceCents, currency)}</span> per month
          </p>
        </li>
      ))}
    </ul>
  );
}
