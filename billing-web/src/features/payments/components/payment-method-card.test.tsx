import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { navigation } from '@/lib/navigate';
import { subscription } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { renderWithQuery } from '@/testing/render';
import { server } from '@/testing/server';
import { PaymentMethodCard } from './payment-method-card';

describe('PaymentMethodCard', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows the card on file and replaces it in the customer portal', async () => {
    const assign = vi.spyOn(navigation, 'assign').mockImplementation(() => {});
    server.use(http.post('/api/v1/billing/portal', () => HttpResponse.json({ url: 'https://portal.example/session/s1' })));
    const { user } = renderWithQuery(
      <PaymentMethodCard subscription={subscription({ paymentMethod: { brand: 'mastercard', last4: '4444', expMonth: 3, expYear: 2031 } })} />,
    );

    expect(screen.getByText('Mastercard ending in 4444')).toBeInTheDocument();
    expect(screen.getByText('Expires 03/2031')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Update payment method' }));

    await vi.waitFor(() => expect(assign).toHaveBeenCalledWith('https://portal.example/session/s1'));
  });

  it('offers to add a card when there is none', () => {
    renderWithQuery(<PaymentMethodCard subscription={subscription({ plan: 'free', paymentMethod: null, paymentMethodRequired: true })} />);

    expect(screen.getByText('No card on file.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add a card payment method' })).toBeEnabled();
  });

  it('tells an invoiced tenant how it pays, with no card to manage', () => {
    renderWithQuery(<PaymentMethodCard subscription={subscription({ collectionMethod: 'send_invoice', daysUntilDue: 30, paymentMethod: null })} />);

    expect(screen.getByText('You pay by invoice: each one is due 30 days after it is sent, and is paid from its page.')).toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('explains in plain words when the portal cannot be opened', async () => {
    const assign = vi.spyOn(navigation, 'assign').mockImplementation(() => {});
    server.use(
      http.post('/api/v1/billing/portal', () =>
        problem({ status: 503, title: 'Payments are not set up', detail: 'This deployment takes no card payments.' }),
      ),
    );
    const { user } = renderWithQuery(<PaymentMethodCard subscription={subscription()} />);

    await user.click(screen.getByRole('button', { name: 'Update payment method' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('This deployment takes no card payments.');
    expect(assign).not.toHaveBeenCalled();
  });
});
