import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { SignInForm } from '@/features/auth/components/sign-in-form';
import { plansQueryOptions } from '@/features/plans/api/get-plans';
import { PlanSelector } from '@/features/plans/components/plan-selector';
import { clearApiKey, readApiKey, saveApiKey } from '@/lib/api-key';
import { BillingDashboard } from './routes/dashboard';

const plansKey = plansQueryOptions().queryKey[0];

export function App() {
  const queryClient = useQueryClient();
  const [signedIn, setSignedIn] = useState(() => readApiKey() !== null);

  function signIn(apiKey: string) {
    saveApiKey(apiKey);
    setSignedIn(true);
  }

  function signOut() {
    clearApiKey();
    // Another key may belong to another tenant: only the public catalog may survive sign-out.
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== plansKey });
    setSignedIn(false);
  }

  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-header__title">Billing</h1>
        {signedIn && (
          <button type="button" className="button" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      <main className="app-main">
        {signedIn ? (
          <BillingDashboard />
        ) : (
          <>
            <section aria-labelledby="sign-in-heading" className="panel">
              <h2 id="sign-in-heading">Sign in</h2>
              <SignInForm onSignIn={signIn} demoApiKey={import.meta.env.VITE_DEMO_API_KEY || undefined} />
            </section>
            <section aria-labelledby="plans-heading" className="panel">
              <h2 id="plans-heading">Plans</h2>
              <PlanSelector />
            </section>
          </>
        )}
      </main>
    </div>
  );
}
