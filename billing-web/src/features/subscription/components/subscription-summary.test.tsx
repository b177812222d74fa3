import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { subscription } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import type { Subscription } from '@/types/api';
import { SubscriptionSummary } from './subscription-summary';

function serveSubscription(overrides: Partial<Subscription> = {}) {
  server.use(http.get('/api/v1/subscription', () => HttpResponse.json(subscription(overrides))));
}

function fact(term: string) {
  return screen.getByText(term).nextSibling;
}

describe('SubscriptionSummary', () => {
  it('shows the plan, its status and the current period', async () => {
    serveSubscription();

    renderWithQuery(<SubscriptionSummary />);

    expect(screen.getByRole('status')).toHaveTextContent('Loading your subscription…');
    expect(await screen.findByText('Current plan')).toBeInTheDocument();
    expect(fact('Current plan')).toHaveTextContent('Standard');
    expect(fact('Status')).toHaveTextContent('Active');
    expect(fact('Current period')).toHaveTextContent('Nov 1, 2026 – Dec 1, 2026');
    expect(screen.queryByText(/Your plan changes/)).not.toBeInTheDocument();
  });

  it('announces a downgrade waiting for the period end', async () => {
    serveSubscription({ pendingPlan: 'free' });

    renderWithQuery(<SubscriptionSummary />);

    expect(await screen.findByText('Your plan changes to Free on Dec 1, 2026.')).toBeInTheDocument();
  });

  it('announces a cancellation at the period end', async () => {
    serveSubscription({ cancelAtPeriodEnd: true });

    renderWithQuery(<SubscriptionSummary />);

    expect(await screen.findByText('Your subscription ends on Dec 1, 2026.')).toBeInTheDocument();
  });

  it('warns about a failed payment and the end of its grace period', async () => {
    serveSubscription({ status: 'past_due', paymentFailedAt: '2026-11-01T00:10:00Z', graceEndsAt: '2026-11-08T00:10:00Z' });

    renderWithQuery(<SubscriptionSummary />);

    expect(
      await screen.findByText(
        'Your payment on Nov 1, 2026 failed. Update your payment method before Nov 8, 2026, 12:10 AM UTC to keep your service.',
      ),
    ).toBeInTheDocument();
    expect(fact('Status')).toHaveTextContent('Payment overdue');
  });

  it('explains a failure in plain words', async () => {
    server.use(http.get('/api/v1/subscription', () => problem({ status: 403, title: 'Forbidden' })));

    renderWithQuery(<SubscriptionSummary />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load your subscription. Your API key is not allowed to do this.',
    );
  });
});
