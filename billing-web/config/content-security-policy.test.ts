// @vitest-environment node
/// <reference lib="dom" />
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { plansResponse } from '../src/testing/fixtures';
import { developmentPolicy, metaPolicy, productionPolicy, securityHeaders, securityHeadersFile } from './content-security-policy';

const root = fileURLToPath(new URL('..', import.meta.url));
const configFile = join(root, 'vite.config.ts');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function directives(policy: string): Map<string, string> {
  return new Map(policy.split('; ').map((directive) => [directive.split(' ')[0], directive.slice(directive.indexOf(' ') + 1)]));
}

describe('the Content-Security-Policy of the dashboard', () => {
  it('lets the built app load only from its own origin and run nothing inline', () => {
    const policy = directives(productionPolicy);

    expect(policy.get('default-src')).toBe("'self'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('style-src')).toBe("'self'");
    expect(policy.get('connect-src')).toBe("'self'");
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(productionPolicy).not.toContain('unsafe');
  });

  it('leaves out of the meta tag only what browsers ignore there', () => {
    expect(directives(metaPolicy).has('frame-ancestors')).toBe(false);
    expect(`${metaPolicy}; frame-ancestors 'none'`).toBe(productionPolicy);
  });

  it("allows the dev server only Vite's inline preamble, inline styles and its reload socket", () => {
    const policy = directives(developmentPolicy);

    expect(policy.get('script-src')).toBe("'self' 'unsafe-inline'");
    expect(policy.get('style-src')).toBe("'self' 'unsafe-inline'");
    expect(policy.get('connect-src')).toBe("'self' ws: wss:");
    expect(policy.get('default-src')).toBe("'self'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
  });

  describe('in the production build, served as vite preview serves it, in Chromium', () => {
    let outDir: string;
    let server: PreviewServer;
    let browser: Browser;
    let url: string;

    beforeAll(async () => {
      outDir = await mkdtemp(join(tmpdir(), 'billing-web-build-'));
      await build({ root, configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
      server = await preview({ root, configFile, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
      url = server.resolvedUrls?.local[0] ?? '';
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await rm(outDir, { recursive: true, force: true });
    });

    it('carries the policy in index.html, which has no inline script or style for it to allow', async () => {
      const html = (await readFile(join(outDir, 'index.html'), 'utf8')).replaceAll('&#39;', "'");

      // First in <head>: a policy governs only what comes after it.
      expect(html).toMatch(new RegExp(`<head>\\s*<meta http-equiv="Content-Security-Policy" content="${metaPolicy}">`));
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\sstyle=/);
    });

    it('names the headers for the API, which serves the build in a deployment, with the policy frame-ancestors included', async () => {
      const headers = JSON.parse(await readFile(join(outDir, securityHeadersFile), 'utf8'));

      expect(headers).toEqual(securityHeaders(productionPolicy));
      expect(headers['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    });

    it('is sent with nosniff, renders the dashboard without a violation, and blocks an injected inline script', async () => {
      const page = await browser.newPage();
      await page.addInitScript(() => {
        const seen: string[] = [];
        (window as unknown as { violations: string[] }).violations = seen;
        document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
      });
      // The API is not running here: the browser gets the plans as the API would answer them.
      await page.route('**/api/v1/plans', (route) => route.fulfill({ json: plansResponse }));

      const response = await page.goto(url);
      await page.getByLabel('Tenant API key').waitFor();
      await page.getByRole('heading', { name: 'Enterprise' }).waitFor();
      const beforeInjection = await page.evaluate(() => (window as unknown as { violations: string[] }).violations.slice());
      const injectedRan = await page.evaluate(
        () =>
          new Promise<boolean>((resolve) => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.head.append(script);
            setTimeout(() => resolve((window as unknown as { injected?: boolean }).injected === true), 200);
          }),
      );
      const afterInjection = await page.evaluate(() => (window as unknown as { violations: string[] }).violations.slice());
      await page.close();

      expect(response?.headers()['content-security-policy']).toBe(productionPolicy);
      expect(response?.headers()['x-content-type-options']).toBe('nosniff');
      expect(beforeInjection).toEqual([]);
      expect(injectedRan).toBe(false);
      // One report per policy in force: the header's and the meta tag's.
      expect(afterInjection).toEqual(['script-src-elem inline', 'script-src-elem inline']);
    }, 60_000);
  });
});
