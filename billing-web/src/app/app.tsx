import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { SignInForm } from '@/features/auth/components/sign-in-form';
import { PlanSelector } from '@/features/plans/components/plan-selector';
import { useUsage, usageQueryOptions } from '@/features/usage/api/get-usage';
import { UsagePanel } from '@/features/usage/components/usage-panel';
import { clearApiKey, readApiKey, saveApiKey } from '@/lib/api-key';

export function App() {
  const queryClient = useQueryClient();
  const [signedIn, setSignedIn] = useState(() => readApiKey() !== null);
  // The plan selector needs the tenant's plan, which the usage summary already carries.
  const usage = useUsage({ enabled: signedIn });

  function signIn(apiKey: string) {
    saveApiKey(apiKey);
    setSignedIn(true);
  }

  function signOut() {
    clearApiKey();
    // Another key may belong to another tenant: nothing of this one may show after sign-out.
    queryClient.removeQueries({ queryKey: usageQueryOptions().queryKey });
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
          <section aria-labelledby="usage-heading" className="panel">
            <h2 id="usage-heading">Usage</h2>
            <UsagePanel />
          </section>
        ) : (
          <section aria-labelledby="sign-in-heading" className="panel">
            <h2 id="sign-in-heading">Sign in</h2>
            <SignInForm onSignIn={signIn} />
          </section>
        )}
        <section aria-labelledby="plans-heading" className="panel">
          <h2 id="plans-heading">Plans</h2>
          <PlanSelector currentPlan={signedIn ? usage.data?.plan : undefined} />
        </section>
      </main>
    </div>
  );
}
