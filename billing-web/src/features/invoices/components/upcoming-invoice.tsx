import { QueryStatus } from '@/components/ui/query-status';
import type { InvoicePreview } from '@/types/api';
import { formatDate, formatMoney } from '@/utils/format';
import { useInvoicePreview } from '../api/get-invoice-preview';
import { InvoiceLines } from './invoice-lines';
import './invoices.css';

/** What the invoice at the end of this period will contain if nothing else changes. */
export function UpcomingInvoice() {
  const previewQuery = useInvoicePreview();
  return (
    <QueryStatus query={previewQuery} loading="Loading the upcoming invoice…" failure="We could not preview your next invoice.">
      {(preview) => <Preview preview={preview} />}
    </QueryStatus>
  );
}

function Preview({ preview }: { preview: InvoicePreview | null }) {
  if (!preview) {
    return <p className="muted">There is no upcoming invoice.</p>;
  }

  const money = (cents: number) => formatMoney(cents, preview.currency);
  return (
    <div className="upcoming-invoice">
      <p className="muted">
        For {formatDate(preview.periodStart)} – {formatDate(preview.periodEnd)}, issued at the end of the period.
      </p>
      <InvoiceLines lines={preview.lines} currency={preview.currency} caption="Lines of the upcoming invoice" />
      <dl className="upcoming-invoice__totals">
        <div>
          <dt>Subtotal</dt>
          <dd>{money(preview.subtotalCents)}</dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd>{money(preview.totalCents)}</dd>
        </div>
        <div>
          <dt>Amount due</dt>
          <dd>{money(preview.amountDueCents)}</dd>
        </div>
      </dl>
    </div>
  );
}
