import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { invoicePreview } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { UpcomingInvoice } from './upcoming-invoice';

describe('UpcomingInvoice', () => {
  it('previews the lines and totals of the invoice due at the period end', async () => {
    server.use(http.get('/api/v1/invoices/preview', () => HttpResponse.json(invoicePreview({ amountDueCents: 8_300 }))));

    renderWithQuery(<UpcomingInvoice />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading the upcoming invoice…');
    const lines = within(await screen.findByRole('table', { name: 'Lines of the upcoming invoice' }));
    expect(lines.getAllByRole('row').slice(1).map((row) => row.textContent)).toEqual([
      'Standard planNov 1, 2026 – Dec 1, 20261$99.00$99.00',
      'LLM tokens overageNov 1, 2026 – Dec 1, 20262,000,000$0.000002$4.00',
    ]);
    expect(screen.getByText('For Nov 1, 2026 – Dec 1, 2026, issued at the end of the period.')).toBeInTheDocument();
    expect(screen.getByText('Total').nextSibling).toHaveTextContent('$103.00');
    expect(screen.getByText('Amount due').nextSibling).toHaveTextContent('$83.00');
  });

  it('says so when there is nothing to preview', async () => {
    server.use(http.get('/api/v1/invoices/preview', () => problem({ status: 404, title: 'Not Found' })));

    renderWithQuery(<UpcomingInvoice />);

    expect(await screen.findByText('There is no upcoming invoice.')).toBeInTheDocument();
  });

  it('explains a failure in plain words', async () => {
    server.use(http.get('/api/v1/invoices/preview', () => problem({ status: 502, title: 'Bad Gateway' })));

    renderWithQuery(<UpcomingInvoice />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not preview your next invoice. The billing service had a problem. Try again in a moment.',
    );
  });
});
