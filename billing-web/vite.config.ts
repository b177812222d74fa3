/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
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
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: serverOptions,
  preview: serverOptions,
  test: {
    globals: true,
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup-tests.ts'],
    include: ['src/**/*.test.{ts,tsx}', 'config/**/*.test.ts'],
    restoreMocks: true,
  },
});
