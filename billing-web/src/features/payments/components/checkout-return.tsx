import { useEffect, useRef, useState } from 'react';
import type { PlanId, Subscription } from '@/types/api';

const planNames: Record<PlanId, string> = { free: 'Free', standard: 'Standard', enterprise: 'Enterprise' };

/** How long to wait for Stripe's webhook before saying the plan will follow; polling slows down then. */
const confirmWithinMs = 60_000;
const pollEveryMs = 1_000;
const latePollEveryMs = 5_000;

type Return = { outcome: 'complete'; plan: PlanId } | { outcome: 'cancelled' } | null;

function readReturn(): Return {
  const query = new URLSearchParams(window.location.search);
  const plan = query.get('plan');
  if (query.get('checkout') === 'complete' && (plan === 'standard' || plan === 'enterprise')) {
    return { outcome: 'complete', plan };
  }
  return query.get('checkout') === 'cancelled' ? { outcome: 'cancelled' } : null;
}

/** Checkout's return address has done its job once read: a reload must not announce it again. */
function forgetReturn() {
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.hash}`);
}

type CheckoutReturnProps = {
  subscription: Subscription | null | undefined;
  /** Reads the subscription again, while the webhook that moves it is on its way. */
  onPoll: () => void;
  /** Everything shown may have changed with the new plan. */
  onConfirmed: () => void;
};

/**
 * Back from Stripe Checkout: the payment went through, but the plan changes only when Stripe's webhook has landed,
 * so this polls until the subscription shows the plan, then confirms it. A cancelled Checkout changed nothing.
 */
export function CheckoutReturn({ subscription, onPoll, onConfirmed }: CheckoutReturnProps) {
  const [landing] = useState(readReturn);
  const [state, setState] = useState<'waiting' | 'confirmed' | 'late' | 'dismissed'>('waiting');
  // The latest callbacks, without restarting the timers each time the dashboard renders.
  const callbacks = useRef({ onPoll, onConfirmed });
  useEffect(() => {
    callbacks.current = { onPoll, onConfirmed };
  });
  const arrived =
    landing?.outcome === 'complete' && subscription?.plan === landing.plan && subscription.status === 'active';

  useEffect(() => {
    if (landing?.outcome !== 'complete' || state === 'confirmed') {
      return;
    }
    if (arrived) {
      setState('confirmed');
      forgetReturn();
      callbacks.current.onConfirmed();
      return;
    }
    const poll = window.setInterval(() => callbacks.current.onPoll(), state === 'late' ? latePollEveryMs : pollEveryMs);
    const late = state === 'waiting' ? window.setTimeout(() => setState('late'), confirmWithinMs) : undefined;
    return () => {
      window.clearInterval(poll);
      window.clearTimeout(late);
    };
  }, [landing, state, arrived]);

  if (!landing || state === 'dismissed') {
    return null;
  }
  if (landing.outcome === 'cancelled') {
    return (
      <div className="notice notice--info checkout-return" role="status">
        <p>Checkout was cancelled: nothing was charged and your plan is unchanged.</p>
        <button
          type="button"
          className="button"
          onClick={() => {
            forgetReturn();
            setState('dismissed');
          }}
        >
          Dismiss
        </button>
      </div>
    );
  }
  const name = planNames[landing.plan];
  const text = {
    waiting: `Payment received. Finishing your upgrade to ${name}…`,
    confirmed: `You are now on ${name}. Thank you!`,
    late: `Payment received. Your plan becomes ${name} as soon as Stripe confirms it; this page updates by itself.`,
  }[state];
  return (
    <div className="notice notice--info checkout-return" role="status">
      <p>{text}</p>
    </div>
  );
}
