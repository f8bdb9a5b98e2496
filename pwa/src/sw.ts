/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

// The shell (HTML, JS, CSS, icons, manifest) is precached at install.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every navigation gets index.html from the cache, so the app opens offline. The API is never
// answered from here: its requests always go to the network.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/healthz/, /^\/readyz/, /^\/metrics/] }));

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** What the server puts in a reminder push (see the reminder dispatcher). */
interface ReminderPush {
  title: string;
  body?: string;
  url?: string;
  reminder_id?: string;
  kind?: string;
  token?: string;
  actions?: Array<{ action: string; title: string }>;
  tag?: string;
  api?: string;
}

self.addEventListener('push', (event) => {
  let p: ReminderPush;
  try {
    p = event.data?.json() as ReminderPush;
  } catch {
    p = { title: 'Askwell', body: event.data?.text() ?? '' };
  }
  if (!p?.title) p = { ...p, title: 'Askwell' };
  // showNotification inside waitUntil, or the browser may kill the worker first
  event.waitUntil(
    self.registration.showNotification(p.title, {
      body: p.body,
      tag: p.tag ?? p.reminder_id,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: p,
      // actions are not in every lib.dom version; browsers without them ignore the field
      ...({ actions: (p.actions ?? []).slice(0, 2) } as object),
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  const p = (event.notification.data ?? {}) as ReminderPush;
  event.notification.close();
  const sameOrigin = (u: string | undefined) => {
    try {
      return u && new URL(u, self.location.origin).origin === self.location.origin ? new URL(u, self.location.origin).href : null;
    } catch {
      return null;
    }
  };
  const api = sameOrigin(p.api);
  if ((event.action === 'done' || event.action === 'snooze') && api && p.token) {
    // The action token in the payload is scoped to this reminder, so this works with the app closed.
    event.waitUntil(
      fetch(`${api}/${event.action}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${p.token}`, 'Content-Type': 'application/json' },
        body: event.action === 'snooze' ? JSON.stringify({ minutes: 60 }) : undefined,
      }).catch(() => undefined),
    );
    return;
  }
  const url = sameOrigin(p.url) ?? `${self.location.origin}/#/today`;
  event.waitUntil(
    (async () => {
      const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const w of wins) {
        if ('focus' in w) {
          await (w as WindowClient).focus();
          await (w as WindowClient).navigate(url).catch(() => undefined);
          return;
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});
