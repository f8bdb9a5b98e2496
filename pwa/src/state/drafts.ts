import { useEffect, useRef, useState } from 'preact/hooks';
import { db } from '../session';

/**
 * Drafts of the capture, ask and referral forms, kept in IndexedDB as they are typed: a tab
 * switch, a reload or a killed app never loses what was typed. Only the user discards one
 * (or saving the form does). IndexedDB, not localStorage: a committed write survives the
 * browser being killed a moment later.
 */

const key = (name: string) => `draft:${name}`;
/** The drafts read or written in this page, so returning to a form restores it at once. */
const cache = new Map<string, unknown>();
/** One write at a time per draft, so the last thing typed is the last thing stored. */
const queue = new Map<string, Promise<void>>();

function persist(name: string, value: unknown | null): Promise<void> {
  if (value === null) cache.delete(name);
  else cache.set(name, value);
  const next = (queue.get(name) ?? Promise.resolve())
    .then(async () => {
      if (value === null) await db.meta.delete(key(name));
      else await db.meta.put({ key: key(name), value });
    })
    .catch((e) => console.error('draft not kept', e));
  queue.set(name, next);
  return next;
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
