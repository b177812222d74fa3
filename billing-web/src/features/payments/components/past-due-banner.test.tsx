import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { navigation } from '@/lib/navigate';
import { subscription } from '@/testing/fixtures';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import type { OutstandingPayment, Subscription } from '@/types/api';
import { PastDueBanner } from './past-due-banner';

const owed = (overrides: Partial<OutstandingPayment> = {}): OutstandingPayment => ({
  amountDueCents: 9_900,
  openInvoices: 1,
  hostedInvoiceUrl: 'https://invoices.example/in_7',
  nextPaymentAttempt: '2099-01-04T00:00:00Z',
  attemptCount: 1,
  dueDate: null,
  ...overrides,
});

const pastDue = (overrides: Partial<Subscription> = {}) =>
  subscription({
    status: 'past_due',
    paymentFailedAt: '2099-01-01T00:00:00Z',
    graceEndsAt: '2099-01-08T00:00:00Z',
    outstanding: owed(),
    ...overrides,
  });

const banner = () => screen.getByRole('region', { name: 'Payment overdue' });

describe('PastDueBanner', () => {
  afterEach(() => vi.restoreAllMocks());

  it('says what is owed, when the card is retried and until when the plan lasts, with both ways to pay', async () => {
    const assign = vi.spyOn(navigation, 'assign').mockImplementation(() => {});
    server.use(http.post('/api/v1/billing/portal', () => HttpResponse.json({ url: 'https://portal.example/session/s2' })));
    const { user } = renderWithQuery(<PastDueBanner subscription={pastDue()} currency="usd" />);

    expect(banner()).toHaveTextContent(
      '$99.00 is overdue. We will try your card again on Jan 4, 2099. Your plan’s quotas stay until Jan 8, 2099, 12:00 AM UTC; after that the Free plan’s quotas apply until you pay.',
    );
    expect(screen.getByRole('link', { name: 'Pay now' })).toHaveAttribute('href', 'https://invoices.example/in_7');
    await user.click(screen.getByRole('button', { name: 'Update payment method' }));
    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('https://portal.example/session/s2'));
  });

  it('says the grace is over once it is', () => {
    renderWithQuery(
      <PastDueBanner subscription={pastDue({ graceEndsAt: '2020-01-08T00:00:00Z', outstanding: owed({ nextPaymentAttempt: null }) })} currency="usd" />,
    );

    expect(banner()).toHaveTextContent('$99.00 is overdue. Your grace period ended on Jan 8, 2020, 12:00 AM UTC: the Free plan’s quotas apply until you pay.');
  });

  it('says the service is suspended once every retry failed', () => {
    renderWithQuery(<PastDueBanner subscription={pastDue({ status: 'unpaid', outstanding: owed({ nextPaymentAttempt: null, attemptCount: 4 }) })} currency="usd" />);

    expect(banner()).toHaveTextContent('Every retry failed, so your service is suspended until the payment is made.');
  });

  it('gives an invoiced tenant the due date and the invoice to pay, and no card to update', () => {
    renderWithQuery(
      <PastDueBanner
        subscription={pastDue({ collectionMethod: 'send_invoice', daysUntilDue: 14, paymentMethod: null, outstanding: owed({ nextPaymentAttempt: null, attemptCount: 0, dueDate: '2099-01-15T00:00:00Z' }) })}
        currency="usd"
      />,
    );

    expect(banner()).toHaveTextContent('$99.00 is overdue. It was due on Jan 15, 2099.');
    expect(screen.queryByRole('button', { name: 'Update payment method' })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Pay now' })).toBeInTheDocument();
  });

  it('stays away while nothing is overdue', () => {
    renderWithQuery(<PastDueBanner subscription={subscription({ outstanding: owed({ nextPaymentAttempt: null }) })} currency="usd" />);

    expect(screen.queryByRole('region', { name: 'Payment overdue' })).not.toBeInTheDocument();
  });
});
