import { useEffect, useRef, useState } from 'preact/hooks';
import { db } from '../session';

/**
 * Drafts of the capture, ask and referral forms, kept in IndexedDB as they are typed: a tab
 * switch, a reload or a killed app never loses what was typed. Only the user discards one
 * (or saving the form does). IndexedDB, not localStorage: a committed write survives the
 * browser being killed a moment later.
 *
 * An IndexedDB write takes a moment to commit, and a reload in that moment aborts it. So each
 * change is also put in sessionStorage at once, synchronously, as the tab's pending copy, and
 * taken out when its IndexedDB write has committed: a form opened with a pending copy is
 * restored from it (it is newer than what IndexedDB holds).
 */

const key = (name: string) => `draft:${name}`;
const pendingKey = (name: string) => `askwell:draft-pending:${name}`;
/** The drafts read or written in this page, so returning to a form restores it at once. */
const cache = new Map<string, unknown>();
/** One write at a time per draft, so the last thing typed is the last thing stored. */
const queue = new Map<string, Promise<void>>();

/** The tab's pending copy: undefined when there is none, null for a discard not yet stored. */
function pending(name: string): unknown {
  try {
    const s = sessionStorage.getItem(pendingKey(name));
    return s === null ? undefined : (JSON.parse(s) as unknown);
  } catch {
    return undefined;
  }
}

function persist(name: string, value: unknown | null): Promise<void> {
  if (value === null) cache.delete(name);
  else cache.set(name, value);
  const mark = JSON.stringify(value);
  try {
    sessionStorage.setItem(pendingKey(name), mark);
  } catch {
    // full or unavailable: IndexedDB alone, as before
  }
  const next = (queue.get(name) ?? Promise.resolve())
    .then(async () => {
      if (value === null) await db.meta.delete(key(name));
      else await db.meta.put({ key: key(name), value });
      try {
        if (sessionStorage.getItem(pendingKey(name)) === mark) sessionStorage.removeItem(pendingKey(name));
      } catch {
        // unavailable: nothing was put there
      }
    })
    .catch((e) => console.error('draft not kept', e));
  queue.set(name, next);
  return next;
}

/**
 * Forgets every draft of this tab, after the writes under way have landed; the caller clears
 * IndexedDB (signing out, or another account signing in).
 */
export async function forgetDrafts(): Promise<void> {
  await draftsWritten();
  cache.clear();
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const k = sessionStorage.key(i);
      if (k?.startsWith(pendingKey(''))) sessionStorage.removeItem(k);
    }
  } catch {
    // unavailable: nothing was put there
  }
}

/** Resolves once every draft write made so far is committed. */
export function draftsWritten(): Promise<void> {
  return Promise.all(queue.values()).then(() => undefined);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface Draft<T> {
  value: T;
  /** False until the stored draft (if any) has been read. */
  ready: boolean;
  /** True when the form differs from blank: there is something to discard. */
  dirty: boolean;
  set(patch: Partial<T>): void;
  /** Forgets the draft (the user's choice, or after the form was saved). */
  discard(): Promise<void>;
}

/** A form's state kept as a draft under name; blank is the empty form. */
export function useDraft<T extends object>(name: string, blank: T): Draft<T> {
  const cached = cache.get(name) as Partial<T> | undefined;
  const [value, setValue] = useState<T>(() => (cached ? { ...blank, ...cached } : blank));
  const [ready, setReady] = useState(!!cached);
  const cur = useRef(value);
  const touched = useRef(false);
  useEffect(() => {
    if (ready) return;
    let live = true;
    const newer = pending(name);
    if (newer !== undefined) {
      // a write the last page did not get to commit: it is the newest, so it goes in again
      if (newer !== null) {
        cur.current = { ...blank, ...(newer as Partial<T>) };
        setValue(cur.current);
      }
      void persist(name, newer);
      setReady(true);
      return;
    }
    db.meta.get(key(name)).then(
      (row) => {
        if (!live) return;
        const stored = row?.value as Partial<T> | undefined;
        if (stored && !touched.current) {
          cache.set(name, stored);
          cur.current = { ...blank, ...stored };
          setValue(cur.current);
        }
        setReady(true);
      },
      () => live && setReady(true),
    );
    return () => void (live = false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name]);
  return {
    value,
    ready,
    dirty: !same(value, blank),
    set(patch) {
      touched.current = true;
      cur.current = { ...cur.current, ...patch };
      setValue(cur.current);
      void persist(name, same(cur.current, blank) ? null : cur.current);
    },
    discard() {
      cur.current = blank;
      setValue(blank);
      return persist(name, null);
    },
  };
}
