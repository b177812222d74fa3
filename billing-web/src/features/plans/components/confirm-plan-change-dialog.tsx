import { Dialog } from '@/components/ui/dialog';
import { formatMoney } from '@/utils/format';
import type { PlanChange } from './plan-change';

type ConfirmPlanChangeDialogProps = {
  change: PlanChange;
  currency: string;
  pending: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
};

// The timing differs by direction (upgrades are prorated, downgrades deferred), so the tenant reads it before agreeing.
function effectText({ from, to, direction }: PlanChange, currency: string): string {
  const price = `${formatMoney(to.basePriceCents, currency)} per month`;
  return direction === 'upgrade'
    ? `Upgrading to ${to.name} takes effect now, prorated for the rest of the current period. The new price is ${price}.`
    : `Downgrading to ${to.name} takes effect at the end of the current period. Until then you keep ${from.name}; afterwards you pay ${price}.`;
}

export function ConfirmPlanChangeDialog({ change, currency, pending, error, onConfirm, onCancel }: ConfirmPlanChangeDialogProps) {
  const verb = change.direction === 'upgrade' ? 'Upgrade' : 'Downgrade';
  return (
    <Dialog
      title={`${verb} to ${change.to.name}?`}
      description={<p>{effectText(change, currency)}</p>}
      // Closing mid-request would hide whether the change went through.
      onClose={() => !pending && onCancel()}
      actions={
        <>
          <button type="button" className="button" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
          <button type="button" className="button button--primary" onClick={onConfirm} disabled={pending}>
            {pending ? 'Changing plan…' : `Confirm ${verb.toLowerCase()}`}
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
