import { useState } from 'react';
import { plainMessage } from '@/lib/api-client';
import { useChangePlan } from '../api/change-plan';
import { usePlans } from '../api/get-plans';
import type { Plan, PlanId } from '../api/types';
import { PlanCard } from './plan-card';
import { PlanChangeDialog } from './plan-change-dialog';
import { changeDirection, type ChangeDirection } from './plan-change';
import { PlanComparison } from './plan-comparison';
import './plan-selector.css';

type PlanSelectorProps = {
  /** The tenant's plan; without it (before sign-in) the plans are shown but cannot be chosen. */
  currentPlan?: PlanId;
};

const confirmation: Record<ChangeDirection, (plan: Plan) => string> = {
  upgrade: (plan) => `You are now on ${plan.name}.`,
  downgrade: (plan) => `Your plan changes to ${plan.name} at the end of the current period.`,
};

export function PlanSelector({ currentPlan }: PlanSelectorProps) {
  const plans = usePlans();
  const changePlan = useChangePlan();
  const [target, setTarget] = useState<Plan | null>(null);
  const [done, setDone] = useState<string | null>(null);

  if (plans.isPending) {
    return <p role="status">Loading plans…</p>;
  }
  if (plans.isError) {
    return (
      <div role="alert" className="message message--error">
        <p>We could not load the plans. {plainMessage(plans.error)}</p>
        <button type="button" className="button button--secondary" onClick={() => plans.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  const { currency, plans: catalog } = plans.data;
  const current = catalog.find((plan) => plan.id === currentPlan);
  const directionTo = (plan: Plan) => (current && plan !== current ? changeDirection(catalog, current, plan) : null);

  function choose(plan: Plan) {
    changePlan.reset();
    setDone(null);
    setTarget(plan);
  }

  function confirm(plan: Plan, direction: ChangeDirection) {
    changePlan.mutate(plan.id, {
      onSuccess: () => {
        setTarget(null);
        setDone(confirmation[direction](plan));
      },
    });
  }

  const targetDirection = target && directionTo(target);

  return (
    <div className="plan-selector">
      <p role="status" className="plan-selector__status">
        {done}
      </p>
      <ul className="plan-cards" aria-label="Plans">
        {catalog.map((plan) => (
          <PlanCard
            key={plan.id}
            plan={plan}
            currency={currency}
            isCurrent={plan === current}
            direction={directionTo(plan)}
            onChoose={choose}
          />
        ))}
      </ul>
      <PlanComparison plans={catalog} currency={currency} currentPlan={currentPlan} />
      {target && targetDirection && (
        <PlanChangeDialog
          target={target}
          currency={currency}
          direction={targetDirection}
          isPending={changePlan.isPending}
          error={changePlan.error}
          onConfirm={() => confirm(target, targetDirection)}
          onCancel={() => setTarget(null)}
        />
      )}
    </div>
  );
}
