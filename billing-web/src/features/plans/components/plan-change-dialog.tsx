import { Dialog } from '@/components/ui/dialog';
import { plainMessage } from '@/lib/api-client';
import { formatMoney } from '@/utils/format';
import type { Plan } from '../api/types';
import { effectOf, type ChangeDirection } from './plan-change';

type PlanChangeDialogProps = {
  target: Plan;
  currency: string;
  direction: ChangeDirection;
  isPending: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
};

export function PlanChangeDialog({ target, currency, direction, isPending, error, onConfirm, onCancel }: PlanChangeDialogProps) {
  const verb = direction === 'upgrade' ? 'Upgrade' : 'Downgrade';
  return (
    <Dialog
      title={`${verb} to ${target.name}?`}
      onClose={() => !isPending && onCancel()}
      description={
        <>
          <p>{effectOf[direction]}</p>
          <p>
            {target.name} costs {formatMoney(target.basePriceCents, currency)} per month.
          </p>
        </>
      }
    >
      {error != null && (
        <p role="alert" className="message message--error">
          {plainMessage(error)}
        </p>
      )}
      <div className="dialog__actions">
        <button type="button" className="button button--secondary" onClick={onCancel} disabled={isPending}>
          Cancel
        </button>
        <button type="button" className="button button--primary" onClick={onConfirm} disabled={isPending} aria-busy={isPending}>
          {isPending ? 'Changing plan…' : `Confirm ${verb.toLowerCase()}`}
        </button>
      </div>
    </Dialog>
  );
}
