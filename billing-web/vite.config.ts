/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { contentSecurityPolicyMeta, developmentPolicy, productionPolicy, securityHeaders } from './config/content-security-policy';
import { apiTarget, devServerPort } from './config/dev-server';

const serverOptions = {
  host: '127.0.0.1',
  port: devServerPort(process.env),
  // The AppHost allocated this port for us; drifting to another one would break its links.
  strictPort: true,
  proxy: {
    '/api': { target: apiTarget(process.env), changeOrigin: true },
  },
};

export default defineConfig({
  plugins: [react(), contentSecurityPolicyMeta()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: { ...serverOptions, headers: securityHeaders(developmentPolicy) },
  // `vite preview` serves the production build, as a production web server should: with the production policy.
  preview: { ...serverOptions, headers: securityHeaders(productionPolicy) },
  test: {
    globals: true,
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup-tests.ts'],
    include: ['src/**/*.test.{ts,tsx}', 'config/**/*.test.ts'],
    restoreMocks: true,
  },
});
