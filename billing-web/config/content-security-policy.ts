import type { Plugin } from 'vite';

type Directives = Record<string, string>;

/**
 * The built app loads everything from its own origin and runs nothing inline: no script or style of another site, no
 * inline script an injected string could become, no plugin, no framing. The API is on the same origin (`/api`).
 */
const production: Directives = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self'",
  'font-src': "'self'",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'self'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

/**
 * Vite's dev server adds the React refresh preamble as an inline script and CSS as inline style elements, and reloads
 * over a WebSocket: the same policy with those allowed, still nothing from other origins.
 */
const development: Directives = {
  ...production,
  'script-src': "'self' 'unsafe-inline'",
  'style-src': "'self' 'unsafe-inline'",
  'connect-src': "'self' ws: wss:",
};

function serialize(directives: Directives, omit: string[] = []): string {
  return Object.entries(directives)
    .filter(([name]) => !omit.includes(name))
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

export const productionPolicy = serialize(production);
export const developmentPolicy = serialize(development);

/** Browsers ignore `frame-ancestors` in a `<meta>` policy (and warn about it): only a header can forbid framing. */
export const metaPolicy = serialize(production, ['frame-ancestors']);

/** The headers whatever serves the app sends with every response: the policy, and no guessing of content types. */
export function securityHeaders(policy: string): Record<string, string> {
  return {
    'Content-Security-Policy': policy,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

/**
 * The file of the build that names the headers to send with its files: the API, which serves `dist/` in a deployment,
 * reads it (Billing.Api's DashboardFiles), so the policy is written here only.
 */
export const securityHeadersFile = 'security-headers.json';

/**
 * Writes the production policy into the built `index.html`, so it holds however `dist/` is served, and the headers
 * (with `frame-ancestors`, which only a header can carry) into `security-headers.json` for the server.
 */
export function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'content-security-policy-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: metaPolicy }, injectTo: 'head-prepend' },
    ],
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: securityHeadersFile, source: JSON.stringify(securityHeaders(productionPolicy), null, 2) });
    },
  };
}
