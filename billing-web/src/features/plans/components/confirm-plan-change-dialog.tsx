import { Dialog } from '@/components/ui/dialog';
import { formatMoney } from '@/utils/format';
import type { PlanChange } from './plan-change';

type ConfirmPlanChangeDialogProps = {
  change: PlanChange;
  /** The tenant has no card on file: confirming opens the payment page, where the card is entered. */
  viaPaymentPage?: boolean;
  currency: string;
  pending: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
};

// What the tenant agrees to differs by case, as Stripe bills it: from Free a new subscription is charged in full at
// once; between paid plans an upgrade is prorated on the next invoice, and a downgrade keeps the current plan to the
// period's end, whose renewal invoice then bills the new monthly fee in advance.
function effectText({ from, to, direction }: PlanChange, currency: string): string {
  const fee = formatMoney(to.basePriceCents, currency);
  if (direction === 'upgrade') {
    return from.basePriceCents === 0
      ? `Upgrading to ${to.name} takes effect now. You are charged the full ${fee} today, not prorated, and your monthly billing period starts today.`
      : `Upgrading to ${to.name} takes effect now. Your next invoice credits the unused time on ${from.name} and charges ${to.name} for the rest of the current period; afterwards you pay ${fee} per month.`;
  }
  return to.basePriceCents === 0
    ? `Downgrading to ${to.name} takes effect at the end of the current period. Until then you keep ${from.name}; your last invoice bills only this period's usage beyond ${from.name}'s included amounts, with no further monthly fee.`
    : `Downgrading to ${to.name} takes effect at the end of the current period. Until then you keep ${from.name}'s quotas and prices; the next invoice bills this period's usage at ${from.name}'s prices and ${fee} for your first month on ${to.name}.`;
}

export function ConfirmPlanChangeDialog({ change, currency, viaPaymentPage = false, pending, error, onConfirm, onCancel }: ConfirmPlanChangeDialogProps) {
  const verb = change.direction === 'upgrade' ? 'Upgrade' : 'Downgrade';
  const payment = viaPaymentPage ? ' You enter your card on the secure payment page next; nothing changes until the payment goes through.' : '';
  const confirmLabel = viaPaymentPage ? 'Continue to payment' : `Confirm ${verb.toLowerCase()}`;
  return (
    <Dialog
      title={`${verb} to ${change.to.name}?`}
      description={<p>{effectText(change, currency) + payment}</p>}
      // Closing mid-request would hide whether the change went through.
      onClose={() => !pending && onCancel()}
      actions={
        <>
          <button type="button" className="button" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
          <button type="button" className="button button--primary" onClick={onConfirm} disabled={pending}>
            {pending ? (viaPaymentPage ? 'Opening the payment page…' : 'Changing plan…') : confirmLabel}
          </button>
        </>
      }
    >
      {error && (
        <p role="alert" className="notice notice--error">
          {error}
        </p>
      )}
    </Dialog>
  );
}
