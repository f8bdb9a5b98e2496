import { useEffect, useState } from 'preact/hooks';
import { liveQuery } from 'dexie';

type Listener = () => void;

/** A tiny observable object for app-wide state. */
export function createStore<T extends object>(init: T) {
  let value = init;
  const listeners = new Set<Listener>();
  return {
    get: () => value,
    set(patch: Partial<T>) {
      value = { ...value, ...patch };
      listeners.forEach((l) => l());
    },
    subscribe(l: Listener) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
}

export function useStore<T extends object>(store: ReturnType<typeof createStore<T>>): T {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((x) => x + 1)), [store]);
  return store.get();
}

/** Re-runs a Dexie query whenever the tables it read change (in this tab or another). */
export function useLive<T>(query: () => Promise<T>, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<{ v: T } | undefined>(undefined);
  useEffect(() => {
    const sub = liveQuery(query).subscribe({
      next: (v) => setValue({ v }),
      error: (e) => console.error('query failed', e),
    });
    return () => sub.unsubscribe();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return value?.v;
}
