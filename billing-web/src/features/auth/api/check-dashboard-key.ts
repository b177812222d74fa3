import { apiRequest, plainMessage } from '@/lib/api-client';
import type { ApiScope, CurrentApiKey } from '@/types/api';

/** What the dashboard does: read usage, invoices and alerts (`read`), change the plan and cancel (`manage`). */
export const dashboardScopes: readonly ApiScope[] = ['read', 'manage'];

export type KeyCheck = { ok: true } | { ok: false; message: string };

function joined(scopes: readonly string[]): string {
  const last = scopes.at(-1) ?? '';
  return scopes.length > 1 ? `${scopes.slice(0, -1).join(', ')} and ${last}` : last;
}

/** The sentence a tenant reads when its key lacks scopes the dashboard needs; null when it lacks none. */
export function missingScopesMessage(held: readonly string[]): string | null {
  const missing = dashboardScopes.filter((scope) => !held.includes(scope));
  if (missing.length === 0) {
    return null;
  }
  return (
    `This key lacks the ${joined(missing)} scope${missing.length > 1 ? 's' : ''}. ` +
    `The dashboard needs a key with the ${joined(dashboardScopes)} scopes.`
  );
}

/** Asks the API what a pasted key may do, before it is kept: an unknown key or one without the dashboard's scopes is refused. */
export async function checkDashboardKey(apiKey: string): Promise<KeyCheck> {
  try {
    const key = await apiRequest<CurrentApiKey>('/api/v1/api-keys/current', { apiKey });
    const message = missingScopesMessage(key.scopes);
    return message ? { ok: false, message } : { ok: true };
  } catch (error) {
    return { ok: false, message: plainMessage(error) };
  }
}
