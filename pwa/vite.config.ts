import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  resolve: {
    // Dexie's default entry wraps its ES5 UMD build; the modern ES module is smaller.
    alias: { dexie: fileURLToPath(new URL('./node_modules/dexie/dist/modern/dexie.mjs', import.meta.url)) },
  },
  plugins: [
    preact(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      registerType: 'prompt',
      manifestFilename: 'manifest.webmanifest',
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
      },
      manifest: {
        id: '/',
        name: 'Askwell',
        short_name: 'Askwell',
        description: 'Jot what happened after every meeting, ask the right person at the right moment, and never forget the thank-you.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#a4461f',
        background_color: '#faf6f1',
        categories: ['business', 'productivity'],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
        // Text and links shared to Askwell start a note; a contacts file opens the import.
        share_target: {
          action: '/share-target',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: {
            title: 'title',
            text: 'text',
            url: 'url',
            files: [{ name: 'file', accept: ['text/vcard', 'text/x-vcard', 'text/csv', 'application/json', '.vcf', '.csv', '.json'] }],
          },
        },
        shortcuts: [
          {
            name: 'New note',
            short_name: 'Note',
            description: 'Jot down a meeting',
            url: '/#/capture',
            icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }],
          },
        ],
      },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true, // the build script puts dist/.gitkeep back for the Go embed
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: process.env.ASKWELL_DEV_API ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
});
