// Settings → your data: import (with a preview), export, the calendar feed, duplicates, and
// leaving. The parsers load only when a file is picked, so they never weigh on the first load.
import { useEffect, useState } from 'preact/hooks';
import { getMeta } from '../../db/db';
import type { Contact, User } from '../../db/types';
import type { Prepared } from '../../io';
import { app, auth, db, runner, signOut, toast } from '../../session';
import { SHARE_CACHE, SHARED_FILE } from '../../share';
import { FormError, Title, useAction } from '../parts';
import { useLive, useStore } from '../../state/store';
import './YourData.css';

const io = () => import('../../io');

/** Import screen: for a file picked in Settings or shared to the app from another one. */
export function ImportScreen() {
  return (
    <div class="stack">
      <Title backTo="/settings">Import contacts</Title>
      <ImportSection shared />
    </div>
  );
}

function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

export function ImportSection({ shared = false }: { shared?: boolean }) {
  const [prepared, setPrepared] = useState<Prepared | null>(null);
  const [name, setName] = useState('');
  const { busy, setBusy, msg: err, setMsg: setErr, run } = useAction();

  const read = (file: Blob, fileName: string) => {
    setPrepared(null);
    setName(fileName);
    return run(
      async () => {
        const m = await io();
        const t0 = performance.now();
        setPrepared(await m.prepare(db, file));
        performance.measure('askwell:import-preview', { start: t0 });
      },
      (e) => {
        const m = (e as Error).message;
        return (e as Error).name === 'ImportError' ? `Nothing was imported. ${m.charAt(0).toUpperCase()}${m.slice(1)}.`.replace(/\.\.$/, '.') : 'Could not read this file.';
      },
    );
  };

  useEffect(() => {
    if (!shared) return;
    // A file shared to the app waits in the service worker's cache until this screen reads it.
    void (async () => {
      const cache = await caches.open(SHARE_CACHE).catch(() => null);
      const res = await cache?.match(SHARED_FILE);
      if (!res) return;
      await cache!.delete(SHARED_FILE);
      await read(await res.blob(), decodeURIComponent(res.headers.get('x-file-name') ?? 'shared%20file'));
    })();
  }, [shared]);

  const doImport = async () => {
    if (!prepared) return;
    setBusy(true);
    try {
      const t0 = performance.now();
      const n = await (await io()).commit(db, prepared);
      performance.measure('askwell:import-stored', { start: t0 });
      runner.requestFlush();
      setPrepared(null);
      setName('');
      toast(n ? `Imported: ${plural(n, 'change')} saved` : 'Nothing new to import');
    } catch {
      setErr('Nothing was imported: saving failed. Try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card stack-sm" aria-labelledby="import">
      <h2 id="import">{shared ? 'From a shared file or one you choose' : 'Import contacts'}</h2>
      <p class="muted small">
        A vCard file from your phone, Google or Outlook (.vcf), LinkedIn’s Connections.csv, a Google Contacts CSV, or an Askwell export. You see what
        will change before anything is saved.
      </p>
      <label class="btn file-pick">
        <input
          type="file"
          accept=".vcf,.vcard,.csv,.json,text/vcard,text/x-vcard,text/csv,application/json"
          class="sr-only"
          disabled={busy}
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (f) void read(f, f.name);
          }}
        />
        {busy && !prepared ? 'Reading…' : 'Choose a file'}
      </label>
      <FormError text={err} />
      {prepared && <Preview p={prepared} name={name} busy={busy} onImport={doImport} onCancel={() => setPrepared(null)} />}
    </section>
  );
}

function Preview({ p, name, busy, onImport, onCancel }: { p: Prepared; name: string; busy: boolean; onImport: () => void; onCancel: () => void }) {
  let summary;
  let writes: number;
  if (p.kind === 'backup') {
    writes = p.missing;
    summary = (
      <ul class="counts">
        <li>
          <strong>{p.missing.toLocaleString()}</strong> new records
        </li>
        <li>
          <strong>{p.present.toLocaleString()}</strong> already here
        </li>
      </ul>
    );
  } else {
    const c = p.plan.counts;
    writes = c.new + c.merge;
    summary = (
      <>
        <ul class="counts">
          <li>
            <strong>{c.new.toLocaleString()}</strong> new
          </li>
          <li>
            <strong>{c.merge.toLocaleString()}</strong> to merge
          </li>
          <li>
            <strong>{c.duplicate.toLocaleString()}</strong> duplicates
          </li>
        </ul>
        <ul class="list" aria-label="First people in the file">
          {p.plan.rows.slice(0, 5).map((r, i) => (
            <li key={i} class="person preview-row">
              <div class="who">
                <div class="name">{r.person.name}</div>
                <div class="sub">
                  {r.kind === 'new' ? [r.person.role, r.person.company].filter(Boolean).join(' · ') || 'New contact' : r.kind === 'merge' ? `Adds ${Object.keys(r.fields).join(', ')} to ${r.matchName}` : `Already here as ${r.matchName}`}
                </div>
              </div>
              <span class={`tag ${r.kind === 'new' ? 'ok' : r.kind === 'merge' ? 'accent' : ''}`}>{r.kind === 'duplicate' ? 'skip' : r.kind}</span>
            </li>
          ))}
        </ul>
        {p.plan.rows.length > 5 && <p class="muted small">and {plural(p.plan.rows.length - 5, 'more person', 'more people')}</p>}
        {p.plan.skipped > 0 && <p class="muted small">{plural(p.plan.skipped, 'entry', 'entries')} without a name, email or company will be left out.</p>}
      </>
    );
  }
  return (
    <div class="stack-sm" aria-live="polite">
      <p>
        <strong>{name}</strong>
        {p.kind === 'people' && p.plan.source !== 'mixed' ? ` · ${p.plan.source}` : ''}
      </p>
      {summary}
      <p class="muted small">New people start at “met”. Merges only fill fields that are empty; nothing you wrote is overwritten.</p>
      <div class="row">
        <button type="button" class="btn primary" disabled={busy || writes === 0} onClick={onImport}>
          {busy ? 'Importing…' : writes === 0 ? 'Nothing new' : `Import ${plural(writes, p.kind === 'backup' ? 'record' : 'contact')}`}
        </button>
        <button type="button" class="btn quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

export function ExportSection() {
  const s = useStore(app);
  const [busy, setBusy] = useState(false);
  const stamp = () => new Date().toISOString().slice(0, 10);
  const run = async (what: 'json' | 'contacts' | 'asks' | 'referrals') => {
    setBusy(true);
    try {
      const m = await io();
      if (what === 'json') {
        const user = (await getMeta<User>(db, 'user')) ?? s.user;
        m.download(`askwell-export-${stamp()}.json`, await m.backupJSON(db, user ?? null), 'application/json');
      } else m.download(`askwell-${what}-${stamp()}.csv`, await m.tableCSV(db, what), 'text/csv');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card stack-sm" aria-labelledby="export">
      <h2 id="export">Export</h2>
      <p class="muted small">Your data is yours. Everything on this device, even offline: one JSON file Askwell can import again, or spreadsheets.</p>
      <div class="row">
        <button type="button" class="btn" disabled={busy} onClick={() => void run('json')}>
          Everything (JSON)
        </button>
        <button type="button" class="btn" disabled={busy} onClick={() => void run('contacts')}>
          Contacts CSV
        </button>
        <button type="button" class="btn" disabled={busy} onClick={() => void run('asks')}>
          Asks CSV
        </button>
        <button type="button" class="btn" disabled={busy} onClick={() => void run('referrals')}>
          Referrals CSV
        </button>
      </div>
    </section>
  );
}

export function CalendarSection() {
  const [url, setUrl] = useState<string | null>(null);
  const [msg, setMsg] = useState('');
  const [confirm, setConfirm] = useState(false);
  const call = async (rotate: boolean) => {
    setMsg('');
    try {
      const { data, error } = rotate ? await auth.api.POST('/me/calendar/rotate') : await auth.api.GET('/me/calendar');
      if (data) setUrl(location.origin + data.path);
      else setMsg(error?.error?.message ?? 'Could not load the calendar address.');
      if (data && rotate) toast('New address made; the old one no longer works');
    } catch {
      setMsg('You are offline. The calendar address shows here once you are back online.');
    }
    setConfirm(false);
  };
  useEffect(() => void call(false), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url!);
      toast('Address copied');
    } catch {
      (document.getElementById('cal-url') as HTMLInputElement | null)?.select();
    }
  };
  return (
    <section class="card stack-sm" aria-labelledby="calendar">
      <h2 id="calendar">Calendar feed</h2>
      <p class="muted small">
        Subscribe to this private address in Google Calendar, Apple Calendar or Outlook to see asks that are ready or due, thank-yous, follow-ups, partner meetings and events.
        Anyone with it can read them.
      </p>
      {url ? (
        <>
          <label class="field">
            Private address
            <input id="cal-url" type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <div class="row">
            <button type="button" class="btn primary" onClick={() => void copy()}>
              Copy address
            </button>
            {confirm ? (
              <>
                <button type="button" class="btn" onClick={() => void call(true)}>
                  Yes, make a new one
                </button>
                <button type="button" class="btn quiet" onClick={() => setConfirm(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" class="btn quiet" onClick={() => setConfirm(true)}>
                Make a new address
              </button>
            )}
          </div>
          {confirm && <p class="muted small">Calendars subscribed to the current address stop updating.</p>}
        </>
      ) : (
        !msg && <p class="muted">Loading…</p>
      )}
      <FormError text={msg} />
    </section>
  );
}

type Pair = [Contact, Contact];
const MERGE_LABEL = {
  name: 'Name', company: 'Company', role: 'Role', email: 'Email', phone: 'Phone', kind: 'Kind', stage: 'Stage',
  how_met: 'How you met', what_they_do: 'What they do', target: 'Their dream customer',
} as const;
const MERGE_FIELDS = Object.keys(MERGE_LABEL) as Array<keyof typeof MERGE_LABEL>;

export function DuplicatesSection() {
  const contacts = useLive(() => db.contacts.toArray(), []);
  const [pairs, setPairs] = useState<Pair[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    if (!contacts) return;
    // Only the small duplicate finder loads here, not the file parsers.
    void import('../../io/dedupe').then((m) => setPairs(m.findDuplicates(contacts.filter((c) => !c.deleted_at && !c.archived))));
  }, [contacts]);
  if (!pairs) return null;
  return (
    <section class="card stack-sm" aria-labelledby="dups">
      <h2 id="dups">Duplicates</h2>
      {pairs.length === 0 ? (
        <p class="muted small">No one appears twice (same email, phone, or name and company).</p>
      ) : (
        <>
          <p class="muted small">{plural(pairs.length, 'pair looks', 'pairs look')} like the same person. Merging keeps every note, ask and referral.</p>
          <ul class="list">
            {pairs.slice(0, 20).map(([a, b], i) => (
              <li key={a.id + b.id} class="stack-sm">
                <div class="person">
                  <div class="who">
                    <div class="name">
                      {a.name} · {b.name}
                    </div>
                    <div class="sub">{[a.email ?? b.email, a.company ?? b.company].filter(Boolean).join(' · ')}</div>
                  </div>
                  <button type="button" class="btn" aria-expanded={open === i} onClick={() => setOpen(open === i ? null : i)}>
                    {open === i ? 'Close' : 'Merge…'}
                  </button>
                </div>
                {open === i && <MergeForm a={a} b={b} onDone={() => setOpen(null)} />}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function MergeForm({ a, b, onDone }: { a: Contact; b: Contact; onDone: () => void }) {
  const differ = MERGE_FIELDS.filter((f) => (a[f] ?? '') !== (b[f] ?? '') && (a[f] || b[f]));
  const [pick, setPick] = useState<Record<string, 'a' | 'b'>>(() => Object.fromEntries(differ.map((f) => [f, a[f] ? 'a' : 'b'])));
  const merge = async () => {
    const chosen: Partial<Contact> = {};
    for (const f of differ) (chosen as Record<string, unknown>)[f] = (pick[f] === 'a' ? a : b)[f];
    chosen.tags = [...new Set([...(a.tags ?? []), ...(b.tags ?? [])])].slice(0, 50);
    await (await import('../../io/merge')).mergeContacts(db, a.id, b.id, chosen);
    runner.requestFlush();
    toast(`Merged into ${chosen.name ?? a.name}`);
    onDone();
  };
  return (
    <div class="stack-sm merge">
      <p class="muted small">{differ.length ? 'Pick what to keep where they differ. Tags are combined.' : 'Their details are the same.'}</p>
      {differ.map((f) => (
        <fieldset key={f} class="stack-sm">
          <legend>{MERGE_LABEL[f]}</legend>
          <div class="chips" role="radiogroup">
            {(['a', 'b'] as const).map((side) => (
              <button key={side} type="button" role="radio" class="chip" aria-checked={pick[f] === side} onClick={() => setPick({ ...pick, [f]: side })}>
                {String((side === 'a' ? a : b)[f] || '(empty)')}
              </button>
            ))}
          </div>
        </fieldset>
      ))}
      <div>
        <button type="button" class="btn primary" onClick={() => void merge()}>
          Merge into one
        </button>
      </div>
    </div>
  );
}

export function DeleteAccountSection() {
  const [open, setOpen] = useState(false);
  const [pw, setPw] = useState('');
  const { busy, msg, setMsg, run } = useAction();
  const del = async (e: Event) => {
    e.preventDefault();
    await run(
      async () => {
        const { response, error } = await auth.api.DELETE('/me', { body: { password: pw } });
        if (response.status === 204) {
          await signOut();
          toast('Your account and everything in it were deleted');
          return;
        }
        setMsg(error?.error?.code === 'wrong_password' ? 'That is not your password. Nothing was deleted.' : (error?.error?.message ?? 'Could not delete. Try again.'));
      },
      () => 'You are offline. Deleting needs a connection.',
    );
  };
  return (
    <section class="card stack-sm" aria-labelledby="leave">
      <h2 id="leave">Delete my account</h2>
      <p class="muted small">Removes every contact, note, ask, referral and reminder, your calendar feed and your sign-ins from the server, for good. Export first if you want a copy.</p>
      {open ? (
        <form class="stack-sm" onSubmit={del}>
          <label class="field">
            Your password, to confirm
            <input type="password" autoComplete="current-password" required value={pw} onInput={(e) => setPw(e.currentTarget.value)} />
          </label>
          <FormError text={msg} />
          <div class="row">
            <button type="submit" class="btn danger" disabled={busy || !pw}>
              {busy ? 'Deleting…' : 'Delete everything'}
            </button>
            <button type="button" class="btn quiet" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div>
          <button type="button" class="btn" onClick={() => setOpen(true)}>
            Delete my account…
          </button>
        </div>
      )}
    </section>
  );
}

/** All of the above, in the order Settings shows them. */
export function YourData() {
  return (
    <>
      <ImportSection />
      <DuplicatesSection />
      <ExportSection />
      <CalendarSection />
    </>
  );
}
