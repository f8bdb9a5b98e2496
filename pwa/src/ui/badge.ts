import { type Data, watchData } from '../state/data';
import { dueCount } from '../state/due';

type BadgeNavigator = Navigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };

/**
 * Keeps the app icon's badge equal to what Today lists as due, where the Badging API exists:
 * recounted whenever local data changes, every minute (things come due with time) and when the
 * app comes back to the front. Returns a stop function.
 */
export function watchBadge(nav: BadgeNavigator = navigator, now = () => Date.now()): () => void {
  if (typeof nav.setAppBadge !== 'function') return () => undefined;
  let data: Data | undefined;
  let shown = -1;
  const update = () => {
    if (!data) return;
    const n = dueCount(data, now());
    if (n === shown) return;
    shown = n;
    const p = n > 0 ? nav.setAppBadge!(n) : (nav.clearAppBadge?.() ?? nav.setAppBadge!(0));
    void p.catch(() => undefined); // not installed, or the platform said no: nothing to do
  };
  /** The worker flags the icon on a push (it cannot count), so the count is set again now and then. */
  const refresh = () => {
    shown = -1;
    update();
  };
  const doc = typeof document === 'undefined' ? null : document;
  const onVisible = () => doc?.visibilityState === 'visible' && refresh();
  const stop = watchData((d) => {
    data = d;
    update();
  });
  const timer = setInterval(refresh, 60_000);
  doc?.addEventListener('visibilitychange', onVisible);
  return () => {
    stop();
    clearInterval(timer);
    doc?.removeEventListener('visibilitychange', onVisible);
  };
}
