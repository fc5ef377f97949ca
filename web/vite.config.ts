/// <reference types="vitest/config" />
// One Vite config, two builds (see ../shared/STYLE.md, pattern 16):
//   vite build --mode app     the agent and admin SPA  → ../internal/webui/dist/app
//   vite build --mode widget  the website chat widget  → ../internal/webui/dist/widget/widget.js
// The Go binary embeds ../internal/webui/dist (internal/webui/embed.go).
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const dist = here('../internal/webui/dist')

const alias = {
  '@': here('./apps/agent/src'),
  '@shared': here('./shared'),
}

export default defineConfig(({ mode }) => {
  if (mode === 'widget') {
    return {
      resolve: { alias },
      build: {
        outDir: `${dist}/widget`,
        emptyOutDir: true,
        target: 'es2020',
        sourcemap: false,
        lib: {
          entry: here('./apps/widget/src/main.ts'),
          name: 'HummDeskWidget',
          formats: ['iife'],
          fileName: () => 'widget.js',
        },
      },
    }
  }
  return {
    root: here('./apps/agent'),
    base: '/',
    plugins: [vue()],
    resolve: { alias },
    server: {
      proxy: {
        '/api': 'http://localhost:8080',
        '/connection': { target: 'ws://localhost:8080', ws: true },
      },
    },
    build: {
      outDir: `${dist}/app`,
      emptyOutDir: true,
      target: 'es2022',
      assetsDir: 'assets',
      sourcemap: false,
    },
    test: {
      root: here('.'),
      environment: 'happy-dom',
      include: ['apps/**/*.spec.ts', 'shared/**/*.spec.ts'],
    },
  }
})
