import { render } from 'preact';
import { App } from './ui/App';
import { app, boot } from './session';
import { watchBadge } from './ui/badge';
import './ui/styles.css';

render(<App />, document.getElementById('app')!);
void boot().then(() => performance.mark('askwell:ready'));
watchBadge();

addEventListener('beforeinstallprompt', (e) => {
  e.preventDefault();
  app.set({ installEvent: e });
});

/**
 * The service worker precaches the shell. A new version waits until the user taps "Reload"
 * (SKIP_WAITING), so a screen in use never changes under their fingers.
 */
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  addEventListener('load', async () => {
    try {
      const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      const offer = (w: ServiceWorker | null) => {
        if (!w || !navigator.serviceWorker.controller) return;
        app.set({ applyUpdate: () => w.postMessage({ type: 'SKIP_WAITING' }) });
      };
      offer(reg.waiting);
      reg.addEventListener('updatefound', () => {
        const w = reg.installing;
        w?.addEventListener('statechange', () => w.state === 'installed' && offer(w));
      });
      let reloading = false;
      navigator.serviceWorker.addEventListener('controllerchange', () => {
        if (reloading || !app.get().applyUpdate) return;
        reloading = true;
        location.reload();
      });
      // look for a new version when the app comes back to the front
      addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void reg.update().catch(() => undefined));
    } catch (e) {
      console.warn('service worker registration failed', e);
    }
  });
}
