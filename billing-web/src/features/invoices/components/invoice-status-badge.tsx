import type { InvoiceStatus } from '@/types/api';

const labels: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  open: 'Open',
  paid: 'Paid',
  void: 'Void',
  uncollectible: 'Uncollectible',
};

export function InvoiceStatusBadge({ status }: { status: InvoiceStatus }) {
  return (
    <span className="status-badge" data-status={status}>
      {labels[status]}
    </span>
  );
}
