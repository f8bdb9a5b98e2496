/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { flushQueue, onNotificationClick, onPush, queueLock, readPush, SYNC_TAG, type ActionDeps } from './push/actions';
import { openPushStore } from './push/store';
import { receiveShare, SHARE_PATH } from './share';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> };

// The shell (HTML, JS, CSS, icons, manifest) is precached at install.
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every navigation gets index.html from the cache, so the app opens offline. The API is never
// answered from here: its requests always go to the network.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//, /^\/healthz/, /^\/readyz/, /^\/metrics/] }));

// Shared text, links and files (the manifest's share_target) are a POST to SHARE_PATH.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'POST' || url.origin !== self.location.origin || url.pathname !== SHARE_PATH) return;
  event.respondWith(
    event.request
      .formData()
      .then((form) => receiveShare(form, self.caches))
      .catch(() => '/#/capture')
      .then((to) => Response.redirect(to, 303)),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// Reminder pushes, notification taps and queued Done/Snooze: the logic lives in push/actions.ts.
const nav = self.navigator as WorkerNavigator & { setAppBadge?: (n?: number) => Promise<void> };
const deps: ActionDeps = {
  origin: self.location.origin,
  fetch: (...a) => fetch(...a),
  store: openPushStore(),
  clients: self.clients as unknown as ActionDeps['clients'],
  registration: self.registration as unknown as ActionDeps['registration'],
  lock: queueLock(nav.locks),
};

self.addEventListener('push', (event) => {
  // showNotification inside waitUntil, or the browser may kill the worker first
  event.waitUntil(onPush(readPush(event.data), deps, nav.setAppBadge ? () => nav.setAppBadge!() : undefined));
});

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(onNotificationClick(event.notification, event.action, deps));
});

/** Background Sync (where it exists) retries queued actions once the device is back online. */
self.addEventListener('sync', (e) => {
  const event = e as ExtendableEvent & { tag?: string; lastChance?: boolean };
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(
    flushQueue(deps).then(({ left }) => {
      // a rejection asks the browser to try again later; the app flushes too, so give up quietly at the end
      if (left > 0 && !event.lastChance) throw new Error(`${left} reminder action(s) still waiting`);
    }),
  );
});
