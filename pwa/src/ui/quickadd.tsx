import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { KIND_LABEL, KINDS } from '../domain/playbook';
import type { Contact, ContactKind } from '../db/types';
import type { Writer } from '../db/store';
import { uuidv7 } from '../db/uuid';
import { type Data, when } from '../state/data';

/** A person picked on a form: a contact, or one added on the spot (created when the form is saved). */
export interface Person {
  id: string;
  name: string;
  isNew: boolean;
  company?: string;
  role?: string;
  kind?: ContactKind | null;
}

export const asPerson = (c: Contact): Person => ({ id: c.id, name: c.name ?? '', isNew: false });

/** Contacts, the most recently met first. */
export function useRecent(d: Data | undefined): Contact[] {
  return useMemo(() => {
    if (!d) return [];
    const seen = new Map<string, number>();
    for (const n of d.notes) for (const id of n.contact_ids ?? []) if (!seen.has(id)) seen.set(id, when(n));
    return d.contacts.filter((c) => !c.archived).sort((a, b) => (seen.get(b.id) ?? 0) - (seen.get(a.id) ?? 0) || (a.name ?? '').localeCompare(b.name ?? ''));
  }, [d]);
}

/** Creates the people added on the form, in the form's own save. */
export async function putNewPeople(w: Writer, people: Person[], extra: { how_met?: string | null } = {}): Promise<void> {
  for (const p of people) {
    if (!p.isNew) continue;
    const clean = (s?: string) => (s && s.trim() ? s.trim() : null);
    await w.put('contact', p.id, { name: p.name.trim(), company: clean(p.company), role: clean(p.role), kind: p.kind ?? null, stage: 'met', how_met: extra.how_met || null }, { fresh: true });
  }
}

interface PickerProps {
  id: string;
  label: string;
  d: Data;
  picked: Person[];
  onPick: (people: Person[]) => void;
  query: string;
  onQuery: (q: string) => void;
  single?: boolean;
  placeholder?: string;
  defaultKind?: ContactKind;
  /** Offer recent people before anything is typed (the person met or asked, not a lead). */
  recent?: boolean;
  /** More ways to pick, shown with the suggestions (e.g. from the phone's contacts). */
  children?: ComponentChildren;
}

/** Who a one-person field shows: the person picked on the form (its draft), else the record's contact. */
export function pickedOr(picked: Person[] | null, d: Data, contactId: string | null | undefined): Person[] {
  const c = contactId ? d.byId.get(contactId) : undefined;
  return picked ?? (c ? [asPerson(c)] : []);
}

/**
 * One person on a form: a contact, or someone added on the spot. A `lead` is someone to be
 * introduced to: no recent people are offered, and one added is a prospect.
 */
export function ContactSelect({ lead, ...props }: Omit<PickerProps, 'single' | 'recent' | 'defaultKind' | 'children'> & { lead?: boolean }) {
  return lead ? <PersonPicker {...props} single recent={false} defaultKind="prospect" /> : <PersonPicker {...props} single />;
}

/**
 * Picks one person (single) or several from the contacts, or adds a new one inline with
 * optional company, role and kind, without leaving the form.
 */
export function PersonPicker(props: PickerProps) {
  const { d, picked, single } = props;
  const recent = useRecent(d);
  const q = props.query.trim().toLowerCase();
  const suggestions = recent
    .filter((c) => !picked.some((p) => p.id === c.id))
    .filter((c) => !q || (c.name ?? '').toLowerCase().includes(q) || (c.company ?? '').toLowerCase().includes(q))
    .slice(0, q ? 8 : (single && picked.length) || props.recent === false ? 0 : 6);
  const exact = recent.some((c) => (c.name ?? '').toLowerCase() === q) || picked.some((p) => p.name.toLowerCase() === q);
  const pick = (p: Person) => {
    props.onPick(single ? [p] : [...picked, p]);
    props.onQuery('');
  };
  const addNew = () => {
    const name = props.query.trim();
    if (name) pick({ id: uuidv7(), name, isNew: true, kind: props.defaultKind ?? null });
  };
  const edit = (id: string, patch: Partial<Person>) => props.onPick(picked.map((p) => (p.id === id ? { ...p, ...patch } : p)));

  return (
    <div class="stack-sm">
      <label class="field" for={props.id}>
        {props.label}
      </label>
      {picked.length > 0 && (
        <div class="chips" role="group" aria-label={`${props.label}: picked`}>
          {picked.map((p) => (
            <button key={p.id} type="button" class="chip" aria-pressed="true" onClick={() => props.onPick(picked.filter((x) => x.id !== p.id))} aria-label={`${p.name}, picked. Tap to remove`}>
              {p.name}
              {p.isNew && <span class="tag accent">new</span>}
            </button>
          ))}
        </div>
      )}
      {picked
        .filter((p) => p.isNew)
        .map((p) => (
          <fieldset key={p.id} class="card tint stack-sm quickadd">
            <legend class="sr-only">Details of {p.name}</legend>
            <p class="small">
              <strong>{p.name}</strong> is new. Add details now, or later. <span class="muted">(optional)</span>
            </p>
            <div class="row fields">
              <label class="field">
                Company
                <input type="text" autoComplete="off" value={p.company ?? ''} onInput={(e) => edit(p.id, { company: e.currentTarget.value })} />
              </label>
              <label class="field">
                Role
                <input type="text" autoComplete="off" value={p.role ?? ''} onInput={(e) => edit(p.id, { role: e.currentTarget.value })} />
              </label>
            </div>
            <div class="chips" role="group" aria-label={`Kind of contact for ${p.name}`}>
              {KINDS.map((k) => (
                <button key={k} type="button" class="chip" aria-pressed={p.kind === k ? 'true' : 'false'} onClick={() => edit(p.id, { kind: p.kind === k ? null : k })}>
                  {KIND_LABEL[k]}
                </button>
              ))}
            </div>
          </fieldset>
        ))}
      {!(single && picked.length > 0) && (
        <>
          <input
            id={props.id}
            type="search"
            placeholder={props.placeholder ?? 'Search or type a new name'}
            autoComplete="off"
            value={props.query}
            onInput={(e) => props.onQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter') return;
              e.preventDefault();
              if (suggestions[0] && q) pick(asPerson(suggestions[0]));
              else addNew();
            }}
          />
          <div class="chips" role="group" aria-label={q ? 'Matching people' : 'Recent people'}>
            {suggestions.map((c) => (
              <button key={c.id} type="button" class="chip" aria-pressed="false" onClick={() => pick(asPerson(c))}>
                {c.name}
              </button>
            ))}
            {q && !exact && (
              <button type="button" class="chip" onClick={addNew}>
                + Add “{props.query.trim()}”
              </button>
            )}
            {props.children}
          </div>
        </>
      )}
    </div>
  );
}
