import { useMemo, useState } from 'preact/hooks';
import type { Contact } from '../db/types';

/** Tags in use, the most used first. */
export function tagsInUse(contacts: Contact[]): string[] {
  const n = new Map<string, number>();
  for (const c of contacts) for (const t of c.tags ?? []) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
}

const MAX_TAG = 40;
/** The contract allows 50 tags on a contact. */
const MAX_TAGS = 50;

/** Tags on a contact: tap one to remove it; type to add, with the tags already in use offered. */
export function TagsEditor({ value, onChange, contacts }: { value: string[]; onChange: (tags: string[]) => void; contacts: Contact[] }) {
  const [q, setQ] = useState('');
  const all = useMemo(() => tagsInUse(contacts), [contacts]);
  const typed = q.trim().toLowerCase();
  const offer = all.filter((t) => !value.includes(t) && (!typed || t.toLowerCase().includes(typed))).slice(0, 8);
  const add = (t: string) => {
    const tag = t.trim().replace(/\s+/g, ' ').slice(0, MAX_TAG);
    if (tag && value.length < MAX_TAGS && !value.some((x) => x.toLowerCase() === tag.toLowerCase())) onChange([...value, tag]);
    setQ('');
  };
  return (
    <fieldset class="stack-sm">
      <legend>Tags</legend>
      {value.length > 0 && (
        <div class="chips" role="group" aria-label="Tags on this contact">
          {value.map((t) => (
            <button key={t} type="button" class="chip" aria-pressed="true" aria-label={`${t}, tap to remove`} onClick={() => onChange(value.filter((x) => x !== t))}>
              {t} <span aria-hidden="true">×</span>
            </button>
          ))}
        </div>
      )}
      <label class="field">
        <span class="sr-only">Add a tag</span>
        <input
          type="text"
          autoComplete="off"
          placeholder="Add a tag, e.g. alumni, board, tax"
          value={q}
          maxLength={MAX_TAG}
          onInput={(e) => setQ(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',') {
              e.preventDefault();
              add(q);
            }
          }}
        />
      </label>
      {(offer.length > 0 || typed) && (
        <div class="chips" role="group" aria-label="Suggested tags">
          {typed && !all.some((t) => t.toLowerCase() === typed) && !value.some((t) => t.toLowerCase() === typed) && (
            <button type="button" class="chip" onClick={() => add(q)}>
              + Add “{q.trim()}”
            </button>
          )}
          {offer.map((t) => (
            <button key={t} type="button" class="chip" onClick={() => add(t)}>
              {t}
            </button>
          ))}
        </div>
      )}
    </fieldset>
  );
}
