import { useId, useState } from 'react';
import { QueryStatus } from '@/components/ui/query-status';
import type { Invoice } from '@/types/api';
import { formatDate, formatMoney } from '@/utils/format';
import { useInvoice } from '../api/get-invoice';
import { InvoiceLines } from './invoice-lines';
import { InvoiceStatusBadge } from './invoice-status-badge';

const columnCount = 7;

const nameOf = (invoice: Invoice) => invoice.number ?? 'Draft invoice';

function LinesOf({ invoice }: { invoice: Invoice }) {
  const detailQuery = useInvoice(invoice.id);
  return (
    <QueryStatus query={detailQuery} loading="Loading the lines…" failure={`We could not load the lines of ${nameOf(invoice)}.`} retry>
      {(detail) => <InvoiceLines lines={detail.lines} currency={invoice.currency} caption={`Lines of ${nameOf(invoice)}`} />}
    </QueryStatus>
  );
}

/** One invoice as a table row; its lines are fetched only when the tenant opens them. */
export function InvoiceRow({ invoice }: { invoice: Invoice }) {
  const [expanded, setExpanded] = useState(false);
  const linesId = useId();
  const money = (cents: number) => formatMoney(cents, invoice.currency);
  return (
    <tbody className="invoice-row" data-expanded={expanded || undefined}>
      <tr>
        <th scope="row">
          <button
            type="button"
            className="disclosure"
            aria-expanded={expanded}
            aria-controls={linesId}
            onClick={() => setExpanded(!expanded)}
          >
            <span aria-hidden="true" className="disclosure__icon" />
            {nameOf(invoice)}
            <span className="visually-hidden"> line items</span>
          </button>
        </th>
        <td>
          {formatDate(invoice.periodStart)} – {formatDate(invoice.periodEnd)}
        </td>
        <td>
          <InvoiceStatusBadge status={invoice.status} />
        </td>
        <td className="numeric">{money(invoice.totalCents)}</td>
        <td className="numeric">{money(invoice.amountPaidCents)}</td>
        {/* What is still owed; a paid invoice owes nothing whichever way the API counts its amount due. */}
        <td className="numeric">{money(Math.max(invoice.amountDueCents - invoice.amountPaidCents, 0))}</td>
        <td>
          <span className="invoice-row__links">
            {invoice.invoicePdfUrl && (
              <a href={invoice.invoicePdfUrl} target="_blank" rel="noreferrer">
                PDF<span className="visually-hidden"> of {nameOf(invoice)}</span>
              </a>
            )}
            {invoice.hostedInvoiceUrl && (
              <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noreferrer">
                View online<span className="visually-hidden"> {nameOf(invoice)}</span>
              </a>
            )}
            {invoice.hostedInvoiceUrl && invoice.status === 'open' && (
              // Open is unpaid, whether its payment failed or it waits to be paid: its page takes a card.
              <a className="invoice-row__pay" href={invoice.hostedInvoiceUrl}>
                Pay<span className="visually-hidden"> {nameOf(invoice)}</span>
              </a>
            )}
          </span>
        </td>
      </tr>
      <tr id={linesId} hidden={!expanded} className="invoice-row__lines">
        <td colSpan={columnCount}>{expanded && <LinesOf invoice={invoice} />}</td>
      </tr>
    </tbody>
  );
}
