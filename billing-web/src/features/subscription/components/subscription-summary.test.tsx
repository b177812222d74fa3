import { screen, within } from '@testing-library/react';
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

  it('says so when the tenant has no subscription', async () => {
    server.use(http.get('/api/v1/subscription', () => problem({ status: 404, title: 'Not Found' })));

    renderWithQuery(<SubscriptionSummary />);

    expect(await screen.findByText('You have no subscription yet.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel subscription' })).not.toBeInTheDocument();
  });

  it('explains a failure in plain words', async () => {
    server.use(http.get('/api/v1/subscription', () => problem({ status: 403, title: 'Forbidden' })));

    renderWithQuery(<SubscriptionSummary />);

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'We could not load your subscription. Your API key is not allowed to do this.',
    );
  });

  it('cancels at the period end after a confirmation that states the effect', async () => {
    serveSubscription();
    let received: unknown;
    server.use(
      http.post('/api/v1/subscription/cancel', async ({ request }) => {
        received = await request.json();
        return HttpResponse.json(subscription({ cancelAtPeriodEnd: true }));
      }),
    );
    const { user } = renderWithQuery(<SubscriptionSummary />);

    await user.click(await screen.findByRole('button', { name: 'Cancel subscription' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel your subscription?' });
    expect(dialog).toHaveAccessibleDescription(
      'Your subscription stays active until Dec 1, 2026 and then ends. You will not be charged again.',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Cancel at period end' }));

    expect(await screen.findByText('Your subscription ends on Dec 1, 2026.')).toBeInTheDocument();
    expect(received).toEqual({ atPeriodEnd: true });
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel subscription' })).not.toBeInTheDocument();
  });

  it('keeps the subscription when the tenant thinks again', async () => {
    serveSubscription();
    const { user } = renderWithQuery(<SubscriptionSummary />);

    await user.click(await screen.findByRole('button', { name: 'Cancel subscription' }));
    await user.click(screen.getByRole('button', { name: 'Keep subscription' }));

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel subscription' })).toHaveFocus();
  });

  it('shows why a cancellation was refused and keeps the dialog open', async () => {
    serveSubscription();
    server.use(
      http.post('/api/v1/subscription/cancel', () =>
        problem({ status: 409, title: 'Conflict', detail: 'The subscription is already cancelled.' }),
      ),
    );
    const { user } = renderWithQuery(<SubscriptionSummary />);

    await user.click(await screen.findByRole('button', { name: 'Cancel subscription' }));
    await user.click(screen.getByRole('button', { name: 'Cancel at period end' }));

    const dialog = within(screen.getByRole('dialog', { name: 'Cancel your subscription?' }));
    expect(await dialog.findByRole('alert')).toHaveTextContent('The subscription is already cancelled.');
    expect(dialog.getByRole('button', { name: 'Cancel at period end' })).toBeEnabled();
  });
});
