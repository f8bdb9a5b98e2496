import { useEffect, useState } from 'preact/hooks';

export interface Route {
  path: string[];
  query: URLSearchParams;
}

function parse(): Route {
  const raw = location.hash.replace(/^#\/?/, '');
  const [p, q = ''] = raw.split('?');
  return { path: p.split('/').filter(Boolean), query: new URLSearchParams(q) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => {
      setRoute(parse());
      document.querySelector('main')?.scrollTo?.(0, 0);
      window.scrollTo(0, 0);
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(to: string): void {
  location.hash = to.startsWith('#') ? to : `#${to}`;
}

let inAppSteps = 0;
addEventListener('hashchange', () => inAppSteps++);

/** Back to the previous screen, or to `fallback` when the app was opened on this one. */
export function back(fallback: string): void {
  if (inAppSteps > 0) {
    inAppSteps -= 2; // the back navigation itself fires hashchange too
    history.back();
  } else go(fallback);
}
