import type { InvoiceStatus } from '@/types/api';

// Stripe may add statuses; an unknown one is shown as sent rather than as an empty badge.
const labels: Partial<Record<InvoiceStatus, string>> = {
  draft: 'Draft',
  open: 'Open',
  paid: 'Paid',
  void: 'Void',
  uncollectible: 'Uncollectible',
};

export function InvoiceStatusBadge({ status }: { status: InvoiceStatus }) {
  return (
    <span className="status-badge" data-status={status}>
      {labels[status] ?? status}
    </span>
  );
}
