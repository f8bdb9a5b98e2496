import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { fmtDate, STAGE_LABEL } from '../domain/playbook';
import { Empty } from '../ui/components';
import { ListSection, PersonCard, Title } from '../ui/parts';
import { names, useData, when } from '../state/data';
import { go, type Route } from '../ui/router';
import { MAX_QUERY, queryTerms, type Search } from './index';
import { readyIndex } from './shared';

/** The part of a text around the first word found, with the found words marked. */
export function Snippet({ text, terms, width = 140 }: { text: string; terms: string[]; width?: number }) {
  const low = text.toLowerCase();
  const at = terms.map((t) => low.indexOf(t)).filter((i) => i >= 0);
  const first = at.length ? Math.min(...at) : 0;
  const start = Math.max(0, first - 40);
  const part = (start > 0 ? '…' : '') + text.slice(start, start + width) + (start + width < text.length ? '…' : '');
  if (!terms.length) return <>{part}</>;
  // split on the words as plain text: a query's regex characters were dropped by queryTerms; a
  // word longer than the snippet (a pasted code, a link) is marked as far as it shows, since a
  // pattern of a 60,000-letter word is too large for a regular expression
  const re = new RegExp(`(${terms.map((t) => t.slice(0, width).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'giu');
  return (
    <>
      {part.split(re).map((s, i) => (i % 2 ? <mark key={i}>{s}</mark> : s))}
    </>
  );
}

export function SearchScreen({ route }: { route: Route }) {
  const d = useData();
  const [q, setQ] = useState(route.query.get('q') ?? '');
  // the index is brought up to date in steps; results show from the index built for this data
  const [index, setIndex] = useState<{ s: Search; d: unknown } | null>(null);
  useEffect(() => {
    let live = true;
    if (d) void readyIndex(d).then((s) => live && setIndex({ s, d }));
    return () => void (live = false);
  }, [d]);
  const res = useMemo(() => index?.s.search(q) ?? null, [index, q]);
  // the box takes the focus as it appears, before the heading would (Title), so the keyboard is
  // up and what is typed at once lands in it
  const focused = useRef(false);
  const focusOnce = (el: HTMLInputElement | null) => {
    if (el && !focused.current) {
      focused.current = true;
      el.focus({ preventScroll: true });
    }
  };
  const onInput = (v: string) => {
    setQ(v);
    history.replaceState(null, '', `#/search${v ? `?q=${encodeURIComponent(v.slice(0, MAX_QUERY))}` : ''}`);
  };
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const typed = queryTerms(q).length > 0;
  return (
    <div class="stack">
      <Title backTo="/today">Search</Title>
      <label class="field">
        <span class="sr-only">Search people and notes</span>
        <input type="search" ref={focusOnce} enterKeyHint="search" placeholder="Name, company, what they do, a tag, a word from a note" value={q} onInput={(e) => onInput(e.currentTarget.value)} />
      </label>
      {!res ? (
        <p class="muted small" aria-busy="true">
          Getting search ready…
        </p>
      ) : !typed ? (
        <p class="muted small">Works offline: everything on this device is searched as you type.</p>
      ) : res.contacts.length === 0 && res.notes.length === 0 ? (
        <Empty title="Nothing found">
          <p>Try a shorter word, or a different spelling.</p>
        </Empty>
      ) : (
        <>
          <ListSection title="People" items={res.contacts}>
            {({ contact: c, via }) => (
              <li key={c.id}>
                <PersonCard
                  c={c}
                  hit
                  sub={
                    <>
                      {[c.role, c.company].filter(Boolean).join(', ') || (c.stage ? STAGE_LABEL[c.stage] : '')}
                      {via.length > 0 && ` · found in ${via.join(', ')}`}
                    </>
                  }
                />
              </li>
            )}
          </ListSection>
          <ListSection title="Notes" items={res.notes}>
            {({ note: n, terms }) => (
              <li key={n.id}>
                <a class="card plain stack-sm hit" href={`#/notes/${n.id}`}>
                  <span class="sub">
                    {fmtDate(new Date(when(n)).toISOString())}
                    {n.contact_ids?.length ? ` · ${names(n.contact_ids, d.byId)}` : ''}
                  </span>
                  <span class="pre">
                    <Snippet text={n.body ?? ''} terms={terms} />
                  </span>
                </a>
              </li>
            )}
          </ListSection>
        </>
      )}
      <div>
        <button type="button" class="btn quiet" onClick={() => go('/contacts')}>
          All contacts
        </button>
      </div>
    </div>
  );
}
