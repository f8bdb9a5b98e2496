import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { fmtDate, KIND_LABEL, KINDS, STAGE_LABEL, STAGES } from '../../domain/playbook';
import { CHAMPION_CHECKS, championCoach, SIGNAL_LABEL, triggerText, type ChampionChecks } from '../../domain/words';
import type { Contact, ContactKind, Stage } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { app, save, toast } from '../../session';
import { Empty, Section } from '../components';
import { Avatar, Chips, FormHeader, ListTitle, NotFound, PersonCard, Title } from '../parts';
import { Conflicts } from '../conflicts';
import { useData, when } from '../../state/data';
import { back, go, type Route } from '../router';
import { TagsEditor } from '../tags';
import { useStore } from '../../state/store';
import { BalanceLine, DreamToggle, KnowsSection, PathsSection } from './Knows';

export function ContactList() {
  const d = useData();
  const [q, setQ] = useState('');
  const [showArchived, setShowArchived] = useState(false);
  const [dreamOnly, setDreamOnly] = useState(false);
  const [search, setSearch] = useState<import('../../search/index').Search | null>(null);
  const s = q.trim().toLowerCase();
  // the ranked search (what they do, tags, notes) gets ready while the list is looked at
  useEffect(() => {
    if (!d) return;
    const t = setTimeout(() => void import('../../search/shared').then((m) => m.readyIndex(d)).then(setSearch), search ? 0 : 300);
    return () => clearTimeout(t);
  }, [d]);
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const dreams = d.contacts.filter((c) => c.dream && !c.archived).length;
  const found = !s
    ? d.contacts.filter((c) => showArchived || !c.archived)
    : search
      ? search.search(q, 500).contacts.map((h) => h.contact)
      : d.contacts.filter((c) => !c.archived && [c.name, c.company, c.role, c.what_they_do, ...(c.tags ?? [])].some((x) => (x ?? '').toLowerCase().includes(s)));
  const list = found.filter((c) => !dreamOnly || c.dream);
  const archived = d.contacts.filter((c) => c.archived).length;
  return (
    <div class="stack">
      <ListTitle href="#/contacts/new" add="Add">
        Contacts
      </ListTitle>
      {d.contacts.length > 0 && (
        <label class="field">
          <span class="sr-only">Search contacts</span>
          <input type="search" placeholder="Name, company, what they do, tag" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
      )}
      {dreams > 0 && (
        <div class="chips" role="group" aria-label="Show">
          <button type="button" class="chip" aria-pressed={dreamOnly ? 'true' : 'false'} onClick={() => setDreamOnly(!dreamOnly)}>
            Dream customers ({dreams})
          </button>
        </div>
      )}
      {d.contacts.length === 0 ? (
        <Empty
          title="No contacts yet"
          action={
            <a class="btn primary" href="#/contacts/new">
              Add your first contact
            </a>
          }
        >
          <p>Add the people who could refer you: clients, partners, connectors. Or log a meeting and add them on the way.</p>
        </Empty>
      ) : list.length === 0 ? (
        <Empty title={`No one matches “${q}”`}>
          <p>Check the spelling, or add them as a new contact.</p>
        </Empty>
      ) : (
        <ul class="list">
          {list.map((c) => (
            <li key={c.id}>
              <PersonCard c={c} sub={[c.role, c.company].filter(Boolean).join(', ') || (c.kind ? KIND_LABEL[c.kind] : 'No details yet')}>
                {c.stage && <span class={`tag${c.stage === 'champion' || c.stage === 'trust' ? ' accent' : ''}`}>{STAGE_LABEL[c.stage]}</span>}
              </PersonCard>
            </li>
          ))}
        </ul>
      )}
      {archived > 0 && (
        <button type="button" class="btn quiet" onClick={() => setShowArchived(!showArchived)}>
          {showArchived ? 'Hide archived' : `Show ${archived} archived`}
        </button>
      )}
    </div>
  );
}

export function ContactPage({ id }: { id: string }) {
  const d = useData();
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const c = d.byId.get(id);
  if (!c) {
    return <NotFound title="Not found" what="contact" backTo="/contacts" />;
  }
  const notes = d.notes.filter((n) => n.contact_ids?.includes(id));
  const asks = d.asks.filter((a) => a.contact_id === id);
  const refs = d.referrals.filter((r) => r.contact_id === id);
  const items: Item[] = [
    ...notes.map((n) =>
      item(
        when(n),
        `#/notes/${n.id}`,
        <>{fmtDate(new Date(when(n)).toISOString())} · Note</>,
        <>
          <p class="pre">{n.body || <em class="muted">No text</em>}</p>
          {(n.signals ?? []).filter((s) => s.contact_id === id).length > 0 && (
            <span class="chips">
              {(n.signals ?? [])
                .filter((s) => s.contact_id === id)
                .map((s) => (
                  <span key={s.kind} class="tag">
                    {SIGNAL_LABEL[s.kind]}
                  </span>
                ))}
            </span>
          )}
          {(n.conflicts?.length ?? 0) > 0 && <span class="tag warn">Edited on two devices</span>}
        </>,
      ),
    ),
    ...asks.map((a) =>
      item(
        Date.parse(a.asked_at ?? a.created_at ?? '') || 0,
        `#/asks/${a.id}`,
        <>Ask · {a.status ?? 'planned'}</>,
        <p>
          Intro to {a.target || 'someone'} {a.status === 'planned' || !a.status ? triggerText(a.trigger, a.created_at) : ''}
        </p>,
      ),
    ),
    ...refs.map((r) =>
      item(
        Date.parse(r.at ?? r.created_at ?? '') || 0,
        `#/referrals/${r.id}`,
        <>Referral {r.direction === 'given' ? 'given' : 'received'}</>,
        <p>
          {r.direction === 'given' ? 'You referred ' : 'They referred '}
          {r.prospect || 'someone'}
        </p>,
      ),
    ),
  ].sort((a, b) => b.at - a.at);

  const setStage = (s: Stage) => save((w) => w.put('contact', id, { stage: s }));
  const setCheck = (k: keyof ChampionChecks, v: boolean) => save((w) => w.put('contact', id, { champion: { ...(c.champion ?? {}), [k]: v } }));

  return (
    <div class="stack">
      <Title
        backTo="/contacts"
        action={
          <a class="btn quiet" href={`#/contacts/${id}/edit`}>
            Edit
          </a>
        }
      >
        {c.name}
      </Title>
      <div class="person">
        <Avatar name={c.name} />
        <div class="who">
          <div class="sub large">
            {[c.role, c.company].filter(Boolean).join(', ') || 'Add role and company with Edit'}
          </div>
          {c.kind && <span class="tag">{KIND_LABEL[c.kind]}</span>}
          {(c.tags ?? []).map((t) => (
            <span key={t} class="tag spaced">
              {t}
            </span>
          ))}
        </div>
      </div>
      <div class="row">
        <a class="btn primary" href={`#/capture?contact=${id}`}>
          Log a note
        </a>
        <a class="btn" href={`#/asks/new?contact=${id}`}>
          Plan an ask
        </a>
        <a class="btn" href={`#/referrals/new?contact=${id}`}>
          Referral
        </a>
      </div>

      <Conflicts entity="contact" rec={c} />

      <Chips label="Relationship stage" options={STAGES} labels={STAGE_LABEL} value={c.stage} onChange={setStage} />
      <DreamToggle c={c} />
      <BalanceLine c={c} d={d} />

      <section class="card stack-sm" aria-labelledby="champ">
        <h2 id="champ">On the way to champion</h2>
        <p class="muted small">{championCoach(c.champion, c.stage)}</p>
        <div class="checks stack-sm">
          {CHAMPION_CHECKS.map(([k, label]) => {
            const missing = c.stage === 'champion' && !c.champion?.[k];
            return (
              <label class="check" key={k}>
                <input type="checkbox" checked={!!c.champion?.[k]} onChange={(e) => setCheck(k, e.currentTarget.checked)} />
                <span class={missing ? 'missing' : undefined}>{label}</span>
                {missing && <span class="tag accent">Missing</span>}
              </label>
            );
          })}
        </div>
      </section>

      <PathsSection c={c} d={d} />
      <KnowsSection c={c} d={d} />

      {(c.email || c.phone || c.how_met || c.what_they_do || c.target) && (
        <section class="card stack-sm" aria-label="Details">
          {c.email && (
            <p>
              <a href={`mailto:${c.email}`}>{c.email}</a>
            </p>
          )}
          {c.phone && (
            <p>
              <a href={`tel:${c.phone}`}>{c.phone}</a>
            </p>
          )}
          {c.what_they_do && <Detail label="What they do" text={c.what_they_do} />}
          {c.target && <Detail label="Their dream customer" text={c.target} />}
          {c.how_met && <Detail label="How we met" text={c.how_met} />}
        </section>
      )}

      <Section title="Timeline" count={items.length}>
        {items.length === 0 ? (
          <Empty title="Nothing yet">
            <p>Log your next conversation with {c.name?.split(' ')[0]} to start the story.</p>
          </Empty>
        ) : (
          <ol class="timeline">
            {items.map((i) => (
              <li key={i.key}>{i.node}</li>
            ))}
          </ol>
        )}
      </Section>
    </div>
  );
}

/** An entry of a contact's timeline: when it was, a link to it with what it is and what it says. */
type Item = { at: number; key: string; node: preact.JSX.Element };
function item(at: number, href: string, what: ComponentChildren, body: ComponentChildren): Item {
  return {
    at,
    key: href,
    node: (
      <a class="plain" href={href}>
        <span class="muted small">{what}</span>
        {body}
      </a>
    ),
  };
}

function Detail({ label, text }: { label: string; text: string }) {
  return (
    <div>
      <div class="muted small">{label}</div>
      <p class="pre">{text}</p>
    </div>
  );
}

export function ContactForm({ id, route }: { id?: string; route: Route }) {
  const d = useData();
  const { user } = useStore(app);
  const existing = id ? d?.byId.get(id) : undefined;
  const [f, setF] = useState<Partial<Contact> | null>(null);
  const [planDefault, setPlanDefault] = useState(true);
  const [err, setErr] = useState('');
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const v: Partial<Contact> = f ?? existing ?? { name: route.query.get('name') ?? '', stage: 'met' };
  const set = (p: Partial<Contact>) => setF({ ...v, ...p });
  const plan = !id && v.kind ? user?.ask_plans?.[v.kind as ContactKind] : undefined;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!v.name?.trim()) {
      setErr('Give them a name first.');
      return;
    }
    const cid = id ?? uuidv7();
    const clean = (s: string | null | undefined) => (s && s.trim() ? s.trim() : null);
    await save(async (w) => {
      await w.put('contact', cid, {
        name: v.name!.trim(),
        company: clean(v.company),
        role: clean(v.role),
        email: clean(v.email),
        phone: clean(v.phone),
        kind: v.kind ?? null,
        stage: v.stage ?? 'met',
        how_met: clean(v.how_met),
        what_they_do: clean(v.what_they_do),
        target: clean(v.target),
        tags: v.tags ?? [],
      });
      if (plan && planDefault) await w.put('ask', uuidv7(), { contact_id: cid, trigger: plan, status: 'planned' });
    });
    toast(id ? 'Saved' : `${v.name} added`);
    if (id) back(`/contacts/${id}`);
    else go(`/contacts/${cid}`);
  };

  const remove = async () => {
    if (!id) return;
    await save((w) => w.put('contact', id, { archived: !existing?.archived }));
    toast(existing?.archived ? 'Back in your contacts' : 'Archived');
    go('/contacts');
  };

  return (
    <form class="stack" onSubmit={submit} noValidate>
      <FormHeader backTo={id ? `/contacts/${id}` : '/contacts'}>{id ? 'Edit contact' : 'New contact'}</FormHeader>
      <label class="field">
        Name
        <input type="text" required autoComplete="off" value={v.name ?? ''} onInput={(e) => set({ name: e.currentTarget.value })} aria-invalid={err ? 'true' : undefined} aria-describedby={err ? 'name-err' : undefined} />
        {err && (
          <span id="name-err" role="alert" class="hint error">
            {err}
          </span>
        )}
      </label>
      <div class="row fields">
        <label class="field">
          Company
          <input type="text" value={v.company ?? ''} onInput={(e) => set({ company: e.currentTarget.value })} />
        </label>
        <label class="field">
          Role
          <input type="text" value={v.role ?? ''} onInput={(e) => set({ role: e.currentTarget.value })} />
        </label>
      </div>
      <Chips label="Kind" options={KINDS} labels={KIND_LABEL} value={v.kind} onChange={(k) => set({ kind: v.kind === k ? null : k })} />
      {plan && (
        <label class="check">
          <input type="checkbox" checked={planDefault} onChange={(e) => setPlanDefault(e.currentTarget.checked)} />
          Plan the ask now: {triggerText(plan)}
        </label>
      )}
      <Chips label="Stage" options={STAGES} labels={STAGE_LABEL} value={v.stage} onChange={(s) => set({ stage: s })} />
      <TagsEditor value={v.tags ?? []} onChange={(tags) => set({ tags })} contacts={d.contacts} />
      <label class="field">
        What they do
        <textarea rows={3} value={v.what_they_do ?? ''} onInput={(e) => set({ what_they_do: e.currentTarget.value })} />
      </label>
      <label class="field">
        Their dream customer <span class="hint">so you can refer them</span>
        <input type="text" value={v.target ?? ''} onInput={(e) => set({ target: e.currentTarget.value })} />
      </label>
      <label class="field">
        How we met
        <input type="text" value={v.how_met ?? ''} onInput={(e) => set({ how_met: e.currentTarget.value })} />
      </label>
      <div class="row fields">
        <label class="field wide">
          Email
          <input type="email" autoComplete="off" value={v.email ?? ''} onInput={(e) => set({ email: e.currentTarget.value })} />
        </label>
        <label class="field">
          Phone
          <input type="tel" autoComplete="off" value={v.phone ?? ''} onInput={(e) => set({ phone: e.currentTarget.value })} />
        </label>
      </div>
      <button type="submit" class="btn primary big block">
        Save
      </button>
      {id && (
        <button type="button" class="btn quiet" onClick={remove}>
          {existing?.archived ? 'Unarchive' : 'Archive this contact'}
        </button>
      )}
    </form>
  );
}
