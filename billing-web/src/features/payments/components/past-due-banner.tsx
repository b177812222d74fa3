import { plainMessage } from '@/lib/api-client';
import type { Subscription } from '@/types/api';
import { formatDate, formatDateTime, formatMoney } from '@/utils/format';
import { useOpenPortal } from '../api/open-portal';
import './payments.css';

type PastDueBannerProps = { subscription: Subscription; currency: string };

/** Whether money is owed on a payment that failed or fell due: the banner's reason to appear. */
export function isPastDue(subscription: Subscription): boolean {
  return subscription.outstanding !== null && (subscription.paymentFailedAt !== null || subscription.status !== 'active');
}

function consequences(subscription: Subscription): string {
  if (subscription.status === 'unpaid') {
    return 'Every retry failed, so your service is suspended until the payment is made.';
  }
  if (subscription.status === 'incomplete') {
    return 'Your plan starts once its first invoice is paid; until then the Free plan’s quotas apply.';
  }
  if (!subscription.graceEndsAt) {
    return '';
  }
  return Date.parse(subscription.graceEndsAt) > Date.now()
    ? `Your plan’s quotas stay until ${formatDateTime(subscription.graceEndsAt)}; after that the Free plan’s quotas apply until you pay.`
    : `Your grace period ended on ${formatDateTime(subscription.graceEndsAt)}: the Free plan’s quotas apply until you pay.`;
}

/** What is owed, when the card is tried again, when the grace ends, and the two ways out: a new card, or paying now. */
export function PastDueBanner({ subscription, currency }: PastDueBannerProps) {
  const portal = useOpenPortal();
  const owed = subscription.outstanding;
  if (!owed || !isPastDue(subscription)) {
    return null;
  }
  const retry = owed.nextPaymentAttempt ? ` We will try your card again on ${formatDate(owed.nextPaymentAttempt)}.` : '';
  const due = owed.dueDate ? ` It was due on ${formatDate(owed.dueDate)}.` : '';
  const invoiced = subscription.collectionMethod === 'send_invoice';
  return (
    <section className="notice notice--error payment-banner" aria-label="Payment overdue">
      <p>
        <strong>{formatMoney(owed.amountDueCents, currency)} is overdue.</strong>
        {invoiced ? due : retry} {consequences(subscription)}
      </p>
      <div className="payment-banner__actions">
        {!invoiced && (
          <button type="button" className="button" disabled={portal.isPending} onClick={() => portal.mutate()}>
            {portal.isPending ? 'Opening…' : 'Update payment method'}
          </button>
        )}
        {owed.hostedInvoiceUrl && (
          <a className="button button--primary" href={owed.hostedInvoiceUrl}>
            Pay now
          </a>
        )}
      </div>
      {portal.isError && <p role="alert">{plainMessage(portal.error)}</p>}
    </section>
  );
}
