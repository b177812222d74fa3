import { QueryStatus } from '@/components/ui/query-status';
import type { PlanId, Subscription } from '@/types/api';
import { formatDate, formatDateTime } from '@/utils/format';
import { useSubscription } from '../api/get-subscription';
import { CancelSubscription } from './cancel-subscription';
import './subscription-summary.css';

const planNames: Record<PlanId, string> = { free: 'Free', standard: 'Standard', enterprise: 'Enterprise' };

const statusText: Record<Subscription['status'], string> = {
  active: 'Active',
  trialing: 'Trial',
  past_due: 'Payment overdue',
  unpaid: 'Unpaid',
  canceled: 'Cancelled',
  incomplete: 'Awaiting first payment',
};

/** Things the tenant must know about their subscription, most urgent first. */
function notices(subscription: Subscription): { text: string; urgent: boolean }[] {
  const end = formatDate(subscription.currentPeriodEnd);
  const found: { text: string; urgent: boolean }[] = [];
  if (subscription.paymentFailedAt) {
    const deadline = subscription.graceEndsAt
      ? ` Update your payment method before ${formatDateTime(subscription.graceEndsAt)} to keep your service.`
      : ' Update your payment method to keep your service.';
    found.push({ text: `Your payment on ${formatDate(subscription.paymentFailedAt)} failed.${deadline}`, urgent: true });
  }
  if (subscription.cancelAtPeriodEnd) {
    found.push({ text: `Your subscription ends on ${end}.`, urgent: false });
  } else if (subscription.pendingPlan) {
    found.push({ text: `Your plan changes to ${planNames[subscription.pendingPlan]} on ${end}.`, urgent: false });
  }
  return found;
}

export function SubscriptionSummary() {
  const subscriptionQuery = useSubscription();
  return (
    <QueryStatus query={subscriptionQuery} loading="Loading your subscription…" failure="We could not load your subscription.">
      {(subscription) => <Summary subscription={subscription} />}
    </QueryStatus>
  );
}

function Summary({ subscription }: { subscription: Subscription | null }) {
  if (!subscription) {
    return <p className="muted">You have no subscription yet.</p>;
  }
  return (
    <div className="subscription-summary">
      <dl className="subscription-summary__facts">
        <div>
          <dt>Current plan</dt>
          <dd>{planNames[subscription.plan]}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span className="status-badge" data-status={subscription.status}>
              {statusText[subscription.status] ?? subscription.status}
            </span>
          </dd>
        </div>
        <div>
          <dt>Current period</dt>
          <dd>
            {formatDate(subscription.currentPeriodStart)} – {formatDate(subscription.currentPeriodEnd)}
          </dd>
        </div>
      </dl>
      {notices(subscription).map((notice) => (
        <p key={notice.text} className={notice.urgent ? 'notice notice--error' : 'notice notice--info'}>
          {notice.text}
        </p>
      ))}
      {!subscription.cancelAtPeriodEnd && subscription.status !== 'canceled' && (
        <div>
          <CancelSubscription periodEnd={subscription.currentPeriodEnd} />
        </div>
      )}
    </div>
  );
}
