import { useState } from 'react';
import { QueryStatus } from '@/components/ui/query-status';
import type { Invoice } from '@/types/api';
import { useInvoices } from '../api/get-invoices';
import { InvoiceRow } from './invoice-row';
import './invoices.css';

/** The tenant's issued invoices, newest first as the API orders them, a page at a time. */
export function InvoiceList() {
  const [page, setPage] = useState(1);
  const invoicesQuery = useInvoices(page);

  return (
    <QueryStatus query={invoicesQuery} loading="Loading invoices…" failure="We could not load your invoices." retry>
      {({ items, total, pageSize }) => (
        <InvoiceTable items={items} page={page} pages={Math.max(Math.ceil(total / pageSize), 1)} onPage={setPage} />
      )}
    </QueryStatus>
  );
}

type InvoiceTableProps = { items: Invoice[]; page: number; pages: number; onPage: (page: number) => void };

function InvoiceTable({ items, page, pages, onPage }: InvoiceTableProps) {
  if (items.length === 0 && page === 1) {
    return <p className="muted">No invoices yet. Your first invoice is issued at the end of the current period.</p>;
  }
  return (
    <div className="invoice-list">
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Invoices, scrollable">
        <table className="data-table">
          <caption className="visually-hidden">Invoices</caption>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Period</th>
              <th scope="col">Status</th>
              <th scope="col" className="numeric">
                Total
              </th>
              <th scope="col" className="numeric">
                Paid
              </th>
              <th scope="col" className="numeric">
                Due
              </th>
              <th scope="col">Documents</th>
            </tr>
          </thead>
          {items.map((invoice) => (
            <InvoiceRow key={invoice.id} invoice={invoice} />
          ))}
        </table>
      </div>
      {pages > 1 && (
        <nav className="pager" aria-label="Invoice pages">
          <button type="button" className="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
            Previous
          </button>
          <span aria-live="polite">
            Page {page} of {pages}
          </span>
          <button type="button" className="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}
