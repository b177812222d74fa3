import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { invoice, invoiceLine } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import type { Invoice } from '@/types/api';
import { InvoiceList } from './invoice-list';

function serveInvoices(items: Invoice[], total = items.length) {
  server.use(
    http.get('/api/v1/invoices', ({ request }) => {
      const page = Number(new URL(request.url).searchParams.get('page'));
      return HttpResponse.json({ items: items.map((item) => ({ ...item, number: `${item.number}-p${page}` })), page, pageSize: 20, total });
    }),
  );
}

const cellsOf = (row: HTMLElement) => within(row).getAllByRole('cell').map((cell) => cell.textContent);

describe('InvoiceList', () => {
  it('shows number, period, status, total, paid, due and document links per invoice', async () => {
    serveInvoices([
      invoice({ id: 'in_2', number: 'BILL-0002', status: 'open', totalCents: 12_000, amountDueCents: 12_000, amountPaidCents: 0 }),
      invoice(),
    ]);

    renderWithQuery(<InvoiceList />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading invoices…');
    const open = (await screen.findByRole('button', { name: 'BILL-0002-p1 line items' })).closest('tr') as HTMLElement;
    expect(cellsOf(open)).toEqual(['Oct 1, 2026 – Nov 1, 2026', 'Open', '$120.00', '$0.00', '$120.00', 'PDF of BILL-0002-p1View online BILL-0002-p1Pay BILL-0002-p1']);
    const paid = screen.getByRole('button', { name: 'BILL-0001-p1 line items' }).closest('tr') as HTMLElement;
    expect(cellsOf(paid).slice(1, 5)).toEqual(['Paid', '$103.00', '$103.00', '$0.00']);
    expect(within(paid).getByRole('link', { name: 'PDF of BILL-0001-p1' })).toHaveAttribute('href', 'https://invoices.example/in_1.pdf');
    expect(within(paid).getByRole('link', { name: 'View online BILL-0001-p1' })).toHaveAttribute('href', 'https://invoices.example/in_1');
    expect(within(paid).queryByRole('link', { name: /^Pay/ })).not.toBeInTheDocument();
  });

  it('offers to pay an open invoice on its payment page', async () => {
    serveInvoices([invoice({ id: 'in_3', number: 'BILL-0003', status: 'open', hostedInvoiceUrl: 'https://invoices.example/in_3' })]);

    renderWithQuery(<InvoiceList />);

    const row = (await screen.findByRole('button', { name: 'BILL-0003-p1 line items' })).closest('tr') as HTMLElement;
    const pay = within(row).getByRole('link', { name: 'Pay BILL-0003-p1' });
    expect(pay).toHaveAttribute('href', 'https://invoices.example/in_3');
    // The payment page replaces the dashboard, as Checkout does, rather than opening beside it.
    expect(pay).not.toHaveAttribute('target');
  });

  it('expands an invoice into its line items, fetched on demand', async () => {
    serveInvoices([invoice()]);
    let detailRequests = 0;
    server.use(
      http.get('/api/v1/invoices/in_1', () => {
        detailRequests += 1;
        return HttpResponse.json({
          ...invoice(),
          lines: [
            invoiceLine(),
            invoiceLine({ id: 'il_calls', description: 'API calls overage', metric: 'api_calls', quantity: 40_000, amountCents: 400, unitAmountDecimal: '0.01' }),
            invoiceLine({ id: 'il_pro', description: 'Upgrade to Standard', amountCents: 3_300, proration: true }),
          ],
        });
      }),
    );
    const { user } = renderWithQuery(<InvoiceList />);
    const toggle = await screen.findByRole('button', { name: 'BILL-0001-p1 line items' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(detailRequests).toBe(0);

    await user.click(toggle);

    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const lines = within(await screen.findByRole('table', { name: 'Lines of BILL-0001-p1' }));
    expect(cellsOf(lines.getByRole('row', { name: /API calls overage/ }))).toEqual([
      'Oct 1, 2026 – Nov 1, 2026',
      '40,000',
      '$0.0001',
      '$4.00',
    ]);
    expect(lines.getByRole('row', { name: /Upgrade to Standard/ })).toHaveTextContent('Prorated');
    expect(lines.getByRole('row', { name: /Standard plan/ })).not.toHaveTextContent('Prorated');

    await user.click(toggle);
    expect(screen.queryByRole('table', { name: 'Lines of BILL-0001-p1' })).not.toBeInTheDocument();
    expect(detailRequests).toBe(1);
  });

  it('names a draft that Stripe has not numbered yet', async () => {
    server.use(
      http.get('/api/v1/invoices', () =>
        HttpResponse.json({ items: [invoice({ number: null, status: 'draft' })], page: 1, pageSize: 20, total: 1 }),
      ),
    );

    renderWithQuery(<InvoiceList />);

    const draft = (await screen.findByRole('button', { name: 'Draft invoice line items' })).closest('tr') as HTMLElement;
    expect(within(draft).getByText('Draft')).toBeInTheDocument();
  });

  it('pages through many invoices', async () => {
    serveInvoices([invoice()], 45);
    const { user } = renderWithQuery(<InvoiceList />);
    const pager = within(await screen.findByRole('navigation', { name: 'Invoice pages' }));
    expect(pager.getByText('Page 1 of 3')).toBeInTheDocument();
    expect(pager.getByRole('button', { name: 'Previous' })).toBeDisabled();

    await user.click(pager.getByRole('button', { name: 'Next' }));

    expect(await screen.findByRole('button', { name: 'BILL-0001-p2 line items' })).toBeInTheDocument();
    expect(pager.getByText('Page 2 of 3')).toBeInTheDocument();
  });

  it('says when there are no invoices yet', async () => {
    serveInvoices([]);

    renderWithQuery(<InvoiceList />);

    expect(
      await screen.findByText('No invoices yet. Your first invoice is issued at the end of the current period.'),
    ).toBeInTheDocument();
  });

  it('explains a failure in plain words and retries on request', async () => {
    let calls = 0;
    server.use(
      http.get('/api/v1/invoices', () => {
        calls += 1;
        return calls === 1
          ? problem({ status: 500, title: 'Internal Server Error' })
          : HttpResponse.json({ items: [invoice()], page: 1, pageSize: 20, total: 1 });
      }),
    );
    const { user } = renderWithQuery(<InvoiceList />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load your invoices. The billing service had a problem. Try again in a moment.',
    );
    await user.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('button', { name: 'BILL-0001 line items' })).toBeInTheDocument();
  });
});
