import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';

// The dashboard talks only to `/api`; in development and preview Vite forwards it to the Functions host
// (devhost locally), so the browser never needs CORS or to know where the backend lives.
const apiTarget = process.env.ELB_API_URL ?? 'http://127.0.0.1:7071';
const proxy: Record<string, ProxyOptions> = { '/api': { target: apiTarget, changeOrigin: true } };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  appType: 'spa',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
});
