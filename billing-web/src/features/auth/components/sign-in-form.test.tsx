import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ApiScope } from '@/types/api';
import { currentApiKey } from '@/testing/fixtures';
import { problem } from '@/testing/problem';
import { server } from '@/testing/server';
import { SignInForm } from './sign-in-form';

/** The API's answer about a key: its scopes for the known key, 401 for any other. */
function serveKey(key: string, scopes: ApiScope[]) {
  const presented: (string | null)[] = [];
  server.use(
    http.get('/api/v1/api-keys/current', ({ request }) => {
      presented.push(request.headers.get('Authorization'));
      return request.headers.get('Authorization') === `Bearer ${key}`
        ? HttpResponse.json(currentApiKey(scopes))
        : problem({ status: 401, title: 'Unauthorized', detail: 'This API key is unknown, revoked or expired.' });
    }),
  );
  return presented;
}

describe('SignInForm', () => {
  it('signs in with a key holding the read and manage scopes, checked with that key', async () => {
    const presented = serveKey('bk_live_123', ['read', 'manage']);
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} />);

    await user.type(screen.getByLabelText('Tenant API key'), '  bk_live_123  {Enter}');

    await vi.waitFor(() => expect(onSignIn).toHaveBeenCalledWith('bk_live_123'));
    expect(presented).toEqual(['Bearer bk_live_123']);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it.each<[string, ApiScope[], string]>([
    ['only ingest', ['ingest'], 'This key lacks the read and manage scopes. The dashboard needs a key with the read and manage scopes.'],
    ['read without manage', ['ingest', 'read'], 'This key lacks the manage scope. The dashboard needs a key with the read and manage scopes.'],
    ['manage without read', ['manage'], 'This key lacks the read scope. The dashboard needs a key with the read and manage scopes.'],
  ])('says which scopes a key with %s lacks, and does not sign in', async (_, scopes, message) => {
    serveKey('bk_live_narrow', scopes);
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} />);

    await user.type(screen.getByLabelText('Tenant API key'), 'bk_live_narrow{Enter}');

    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(onSignIn).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Tenant API key')).toHaveAttribute('aria-invalid', 'true');
  });

  it('says so when the API does not know the key', async () => {
    serveKey('bk_live_known', ['read', 'manage']);
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} />);

    await user.type(screen.getByLabelText('Tenant API key'), 'bk_live_typo{Enter}');

    expect(await screen.findByRole('alert')).toHaveTextContent('This API key is unknown, revoked or expired.');
    expect(onSignIn).not.toHaveBeenCalled();
  });

  it('asks for a key instead of submitting an empty one', async () => {
    const presented = serveKey('bk_live_123', ['read', 'manage']);
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} />);

    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(onSignIn).not.toHaveBeenCalled();
    expect(presented).toEqual([]);
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your API key.');
    expect(screen.getByLabelText('Tenant API key')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Tenant API key')).toHaveAccessibleDescription(
      'Tenant keys start with bk_ and need the read and manage scopes. They are kept only in this browser tab. Enter your API key.',
    );
  });

  it('offers a one-click sign-in as the demo tenant when a demo key is configured', async () => {
    serveKey('bk_demo_1', ['ingest', 'read', 'manage']);
    const user = userEvent.setup();
    const onSignIn = vi.fn();
    render(<SignInForm onSignIn={onSignIn} demoApiKey="bk_demo_1" />);

    await user.click(screen.getByRole('button', { name: 'Sign in as the demo tenant' }));

    await vi.waitFor(() => expect(onSignIn).toHaveBeenCalledWith('bk_demo_1'));
  });

  it('offers no demo sign-in without a demo key', () => {
    render(<SignInForm onSignIn={vi.fn()} />);

    expect(screen.queryByRole('button', { name: 'Sign in as the demo tenant' })).not.toBeInTheDocument();
  });
});
