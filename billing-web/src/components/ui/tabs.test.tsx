import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { Tabs } from './tabs';

const tabs = [
  { id: 'usage', label: 'Usage' },
  { id: 'plans', label: 'Plans' },
  { id: 'invoices', label: 'Invoices' },
] as const;

type TabId = (typeof tabs)[number]['id'];

function Harness() {
  const [selected, setSelected] = useState<TabId>('usage');
  return (
    <Tabs label="Sections" tabs={[...tabs]} selected={selected} onSelect={setSelected}>
      <p>Content of {selected}</p>
    </Tabs>
  );
}

describe('Tabs', () => {
  it('shows only the selected panel, labelled by its tab', async () => {
    const user = userEvent.setup();
    render(<Harness />);

    expect(screen.getByRole('tablist', { name: 'Sections' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Usage' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tabpanel', { name: 'Usage' })).toHaveTextContent('Content of usage');

    await user.click(screen.getByRole('tab', { name: 'Invoices' }));

    expect(screen.getByRole('tab', { name: 'Invoices' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tab', { name: 'Usage' })).toHaveAttribute('aria-selected', 'false');
    expect(screen.getByRole('tabpanel', { name: 'Invoices' })).toHaveTextContent('Content of invoices');
  });

  it('is one tab stop; arrow keys, Home and End move the selection and the focus', async () => {
    const user = userEvent.setup();
    render(<Harness />);

    await user.tab();
    expect(screen.getByRole('tab', { name: 'Usage' })).toHaveFocus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Plans' })).toHaveFocus();
    expect(screen.getByRole('tabpanel')).toHaveTextContent('Content of plans');
    await user.keyboard('{End}');
    expect(screen.getByRole('tab', { name: 'Invoices' })).toHaveFocus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Usage' })).toHaveFocus();
    await user.keyboard('{ArrowLeft}');
    expect(screen.getByRole('tab', { name: 'Invoices' })).toHaveFocus();
    await user.keyboard('{Home}');
    expect(screen.getByRole('tab', { name: 'Usage' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('tabpanel')).toHaveFocus();
  });
});
