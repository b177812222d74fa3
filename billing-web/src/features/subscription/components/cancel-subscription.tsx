import { useState } from 'react';
import { Dialog } from '@/components/ui/dialog';
import { plainMessage } from '@/lib/api-client';
import { formatDate } from '@/utils/format';
import { useCancelSubscription } from '../api/cancel-subscription';

/** Cancels at the period end only: the tenant keeps what they paid for, and can still change their mind until then. */
export function CancelSubscription({ periodEnd }: { periodEnd: string }) {
  const [open, setOpen] = useState(false);
  const cancel = useCancelSubscription();

  function close() {
    if (!cancel.isPending) {
      cancel.reset();
      setOpen(false);
    }
  }

  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        Cancel subscription
      </button>
      {open && (
        <Dialog
          title="Cancel your subscription?"
          description={<p>Your subscription stays active until {formatDate(periodEnd)} and then ends. You will not be charged again.</p>}
          onClose={close}
          actions={
            <>
              <button type="button" className="button" onClick={close} disabled={cancel.isPending}>
                Keep subscription
              </button>
              <button
                type="button"
                className="button button--danger"
                disabled={cancel.isPending}
                onClick={() => cancel.mutate(true, { onSuccess: () => setOpen(false) })}
              >
                {cancel.isPending ? 'Cancelling…' : 'Cancel at period end'}
              </button>
            </>
          }
        >
          {cancel.isError && (
            <p role="alert" className="notice notice--error">
              {plainMessage(cancel.error)}
            </p>
          )}
        </Dialog>
      )}
    </>
  );
}
