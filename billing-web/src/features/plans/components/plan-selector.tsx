import { useState } from 'react';
import { QueryStatus } from '@/components/ui/query-status';
import { plainMessage } from '@/lib/api-client';
import type { ChangeTiming, Plan, PlanId, PlansResponse } from '@/types/api';
import { usePlans } from '../api/get-plans';
import { ConfirmPlanChangeDialog } from './confirm-plan-change-dialog';
import { PlanCard } from './plan-card';
import { changeTiming, planChange, type PlanChange } from './plan-change';
import { PlanComparisonTable } from './plan-comparison-table';
import './plan-selector.css';

/** What `onChangePlan` resolves to when the browser is leaving for a payment page: the dialog stays as it is. */
export const leftForPayment = 'left-for-payment';

type PlanSelectorProps = {
  /** The signed-in tenant's plan; before sign-in the selector only presents the catalog. */
  currentPlan?: PlanId;
  /** Choosing a paid plan first collects a card on a payment page (Stripe Checkout). */
  paymentMethodRequired?: boolean;
  /** Called once the tenant confirms; a rejected promise keeps the dialog open with the reason. */
  onChangePlan?: (plan: Plan, timing: ChangeTiming) => Promise<unknown> | void;
};

type Outcome = { pending: boolean; error: string | null };

const idle: Outcome = { pending: false, error: null };

export function PlanSelector(props: PlanSelectorProps) {
  const plansQuery = usePlans();
  return (
    <QueryStatus query={plansQuery} loading="Loading plans…" failure="We could not load the plans." retry>
      {(catalog) => <PlanChoices catalog={catalog} {...props} />}
    </QueryStatus>
  );
}

function PlanChoices({ catalog, currentPlan, paymentMethodRequired = false, onChangePlan }: PlanSelectorProps & { catalog: PlansResponse }) {
  const [change, setChange] = useState<PlanChange | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(idle);
  const [announcement, setAnnouncement] = useState('');

  const { currency, plans } = catalog;
  const current = plans.find((plan) => plan.id === currentPlan);
  const changeTo = (plan: Plan) => (current && onChangePlan && plan !== current ? planChange(plans, current, plan) : null);

  function choose(plan: Plan) {
    setOutcome(idle);
    setChange(changeTo(plan));
  }

  async function confirm() {
    if (!change || !onChangePlan) {
      return;
    }
    setOutcome({ pending: true, error: null });
    try {
      if ((await onChangePlan(change.to, changeTiming(change.direction))) === leftForPayment) {
        return;
      }
      setAnnouncement(
        change.direction === 'upgrade'
          ? `You are now on ${change.to.name}.`
          : `Your plan changes to ${change.to.name} at the end of the current period.`,
      );
      setChange(null);
      setOutcome(idle);
    } catch (error) {
      setOutcome({ pending: false, error: plainMessage(error) });
    }
  }

  return (
    <div className="plan-selector">
      <ul className="plan-cards" aria-label="Plans">
        {plans.map((plan) => (
          <PlanCard
            key={plan.id}
            plan={plan}
            currency={currency}
            isCurrent={plan === current}
            direction={changeTo(plan)?.direction ?? null}
            onChoose={choose}
          />
        ))}
      </ul>
      <p role="status" className="plan-selector__announcement">
        {announcement}
      </p>
      <PlanComparisonTable plans={plans} currency={currency} currentPlan={currentPlan} />
      {change && (
        <ConfirmPlanChangeDialog
          change={change}
          viaPaymentPage={paymentMethodRequired && change.to.basePriceCents > 0}
          currency={currency}
          pending={outcome.pending}
          error={outcome.error}
          onConfirm={confirm}
          onCancel={() => setChange(null)}
        />
      )}
    </div>
  );
}
