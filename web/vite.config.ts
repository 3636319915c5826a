import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';

// The dashboard talks only to `/api`; in development and preview Vite forwards it to the Functions host
// (devhost locally), so the browser never needs CORS or to know where the backend lives.
const apiTarget = process.env.ELB_API_URL ?? 'http://127.0.0.1:7071';
const proxy: Record<string, ProxyOptions> = { '/api': { target: apiTarget, changeOrigin: true } };
const webRoot = fileURLToPath(new URL('.', import.meta.url));
// The dashboard imports the backend's pure phase and tag modules from ../core (build bundles them); the dev server
// may read that folder besides the dashboard itself, and nothing else of the checkout.
const fs = { allow: [webRoot, fileURLToPath(new URL('../core', import.meta.url))] };

export default defineConfig({
  root: webRoot,
  appType: 'spa',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy, fs },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
});
