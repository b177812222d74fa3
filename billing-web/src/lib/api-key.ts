const storageKey = 'billing.apiKey';

// Session storage: the key lives only as long as the tab, so a shared machine does not keep it.
export function readApiKey(): string | null {
  return sessionStorage.getItem(storageKey);
}

export function saveApiKey(key: string): void {
  sessionStorage.setItem(storageKey, key);
}

export function clearApiKey(): void {
  sessionStorage.removeItem(storageKey);
}
