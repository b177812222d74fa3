import { PlanSelector } from '@/features/plans/components/plan-selector';

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-header__title">Billing</h1>
      </header>
      <main className="app-main">
        <section aria-labelledby="plans-heading" className="panel">
          <h2 id="plans-heading">Plans</h2>
          <PlanSelector />
        </section>
      </main>
    </div>
  );
}
