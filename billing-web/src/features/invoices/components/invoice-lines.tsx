import type { InvoiceLine } from '@/types/api';
import { formatDate, formatDecimalCents, formatMoney, formatNumber } from '@/utils/format';

type InvoiceLinesProps = { lines: InvoiceLine[]; currency: string; caption: string };

// Stripe sends unit prices as decimal strings of cents so that fractions of a cent survive.
function unitPrice(line: InvoiceLine, currency: string): string {
  return line.unitAmountDecimal === null ? '—' : formatDecimalCents(line.unitAmountDecimal, currency);
}

export function InvoiceLines({ lines, currency, caption }: InvoiceLinesProps) {
  if (lines.length === 0) {
    return <p className="muted">This invoice has no lines.</p>;
  }
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={`${caption}, scrollable`}>
      <table className="data-table invoice-lines">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Description</th>
            <th scope="col">Period</th>
            <th scope="col" className="numeric">
              Quantity
            </th>
            <th scope="col" className="numeric">
              Unit price
            </th>
            <th scope="col" className="numeric">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.id}>
              <th scope="row">
                {line.description}
                {line.proration && <span className="badge badge--muted">Prorated</span>}
              </th>
              <td>
                {formatDate(line.periodStart)} – {formatDate(line.periodEnd)}
              </td>
              <td className="numeric">{formatNumber(line.quantity)}</td>
              <td className="numeric">{unitPrice(line, currency)}</td>
              <td className="numeric">{formatMoney(line.amountCents, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
