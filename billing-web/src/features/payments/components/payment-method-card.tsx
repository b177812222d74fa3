import { plainMessage } from '@/lib/api-client';
import type { Subscription } from '@/types/api';
import { useOpenPortal } from '../api/open-portal';
import { cardExpiry, cardName } from './card-label';
import './payments.css';

/** The card on file (or how an invoiced tenant pays) and the way to change it: Stripe's customer portal. */
export function PaymentMethodCard({ subscription }: { subscription: Subscription }) {
  const portal = useOpenPortal();
  const card = subscription.paymentMethod;
  if (subscription.collectionMethod === 'send_invoice') {
    return (
      <div className="payment-method">
        <p>
          You pay by invoice: each one is due {subscription.daysUntilDue ?? 0} days after it is sent, and is paid from its page.
        </p>
      </div>
    );
  }
  return (
    <div className="payment-method">
      {card ? (
        <p>
          <span className="payment-method__card">{cardName(card)}</span>{' '}
          <span className="muted">Expires {cardExpiry(card)}</span>
        </p>
      ) : (
        <p className="muted">No card on file.</p>
      )}
      <button type="button" className="button" disabled={portal.isPending} onClick={() => portal.mutate()}>
        {portal.isPending ? 'Opening…' : card ? 'Update' : 'Add a card'}
        <span className="visually-hidden"> payment method</span>
      </button>
      {portal.isError && (
        <p role="alert" className="notice notice--error">
          {plainMessage(portal.error)}
        </p>
      )}
    </div>
  );
}
