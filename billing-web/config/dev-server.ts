type Env = Record<string, string | undefined>;

const defaultPort = 5173;
const defaultApiUrl = 'http://127.0.0.1:5080';

/** The port Vite listens on: the AppHost passes `PORT`; a stray value falls back to Vite's usual port. */
export function devServerPort(env: Env): number {
  const port = Number(env.PORT);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : defaultPort;
}

/** Where `/api` is proxied to: Aspire's service discovery variable first, then a plain override. */
export function apiTarget(env: Env): string {
  return env.services__api__http__0 || env.API_URL || defaultApiUrl;
}
