import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SignInForm } from './sign-in-form';

describe('SignInForm', () => {
  it('hands over the trimmed key on submit', async () => {
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} />);

    await user.type(screen.getByLabelText('Tenant API key'), '  bk_live_123  {Enter}');

    expect(onSignIn).toHaveBeenCalledWith('bk_live_123');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('asks for a key instead of submitting an empty one', async () => {
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} />);

    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(onSignIn).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your API key.');
    expect(screen.getByLabelText('Tenant API key')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Tenant API key')).toHaveAccessibleDescription(
      'Tenant keys start with bk_ and are kept only in this browser tab. Enter your API key.',
    );
  });

  it('offers a one-click sign-in as the demo tenant when a demo key is configured', async () => {
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} demoApiKey="bk_demo_1" />);

    await user.click(screen.getByRole('button', { name: 'Sign in as the demo tenant' }));

    expect(onSignIn).toHaveBeenCalledWith('bk_demo_1');
  });

  it('offers no demo sign-in without a demo key', () => {
    render(<SignInForm onSignIn={vi.fn()} />);

    expect(screen.queryByRole('button', { name: 'Sign in as the demo tenant' })).not.toBeInTheDocument();
  });
});
