import { screen } from '@testing-library/react';
import { subscription } from '@/testing/fixtures';
import { renderWithQuery } from '@/testing/render';
import { CheckoutReturn } from './checkout-return';

describe('CheckoutReturn', () => {
  afterEach(() => window.history.replaceState(null, '', '/'));

  it('waits for the webhook, polling the subscription, then confirms the plan and forgets the return address', async () => {
    window.history.replaceState(null, '', '/?checkout=complete&plan=standard&session_id=cs_test_1#plans');
    const onPoll = vi.fn();
    const onConfirmed = vi.fn();
    const free = subscription({ plan: 'free', paymentMethod: null });
    const { rerender } = renderWithQuery(<CheckoutReturn subscription={free} onPoll={onPoll} onConfirmed={onConfirmed} />);

    expect(screen.getByRole('status')).toHaveTextContent('Payment received. Finishing your upgrade to Standard…');
    await vi.waitFor(() => expect(onPoll).toHaveBeenCalled(), { timeout: 2_500 });
    expect(onConfirmed).not.toHaveBeenCalled();
    rerender(<CheckoutReturn subscription={subscription({ plan: 'standard' })} onPoll={onPoll} onConfirmed={onConfirmed} />);

    expect(await screen.findByText('You are now on Standard. Thank you!')).toBeInTheDocument();
    expect(onConfirmed).toHaveBeenCalledTimes(1);
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('#plans');
  });

  it('says a cancelled checkout changed nothing, until dismissed', async () => {
    window.history.replaceState(null, '', '/?checkout=cancelled');
    const { user } = renderWithQuery(<CheckoutReturn subscription={subscription({ plan: 'free' })} onPoll={vi.fn()} onConfirmed={vi.fn()} />);

    expect(screen.getByRole('status')).toHaveTextContent('Checkout was cancelled: nothing was charged and your plan is unchanged.');
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));

    expect(screen.queryByRole('status')).not.toBeInTheDocument();
    expect(window.location.search).toBe('');
  });

  it('shows nothing on an ordinary visit', () => {
    window.history.replaceState(null, '', '/?plan=standard');
    renderWithQuery(<CheckoutReturn subscription={subscription()} onPoll={vi.fn()} onConfirmed={vi.fn()} />);

    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });
});
