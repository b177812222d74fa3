import { useId, useState, type FormEvent } from 'react';
import { checkDashboardKey } from '../api/check-dashboard-key';
import './sign-in-form.css';

type SignInFormProps = {
  onSignIn: (apiKey: string) => void;
  /** The seeded demo tenant's key, given only in Development; offers a one-click sign-in. */
  demoApiKey?: string;
};

export function SignInForm({ onSignIn, demoApiKey }: SignInFormProps) {
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  // The key is kept only once the API says it is valid and may do what the dashboard does.
  async function signInWith(apiKey: string) {
    setChecking(true);
    const check = await checkDashboardKey(apiKey);
    setChecking(false);
    if (!check.ok) {
      setError(check.message);
      return;
    }
    setError(null);
    onSignIn(apiKey);
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const apiKey = String(new FormData(event.currentTarget).get('apiKey') ?? '').trim();
    if (!apiKey) {
      setError('Enter your API key.');
      return;
    }
    void signInWith(apiKey);
  }

  return (
    <form className="sign-in" onSubmit={handleSubmit} noValidate aria-busy={checking || undefined}>
      <label htmlFor={inputId}>Tenant API key</label>
      <p id={hintId} className="muted sign-in__hint">
        Tenant keys start with bk_ and need the read and manage scopes. They are kept only in this browser tab.
      </p>
      <div className="sign-in__row">
        <input
          id={inputId}
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
        />
        <button type="submit" className="button button--primary" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </div>
      {error && (
        <p id={errorId} role="alert" className="sign-in__error">
          {error}
        </p>
      )}
      {demoApiKey && (
        <div className="sign-in__demo">
          <button type="button" className="button" disabled={checking} onClick={() => void signInWith(demoApiKey)}>
            Sign in as the demo tenant
          </button>
        </div>
      )}
    </form>
  );
}
