import { askLine, isDue, relDay, thankLine, weekRhythm } from '../../domain/playbook';
import type { Medium, Reminder } from '../../db/types';
import { app, save, toast } from '../../session';
import { Empty, Section, ThanksChips } from '../components';
import { type Data, names, useData } from '../data';
import { useStore } from '../store';

function greeting(d = new Date()) {
  const h = d.getHours();
  return h >= 5 && h < 12 ? 'Good morning' : h >= 12 && h < 18 ? 'Good afternoon' : 'Good evening';
}

function reminderText(r: Reminder, d: Data): { title: string; href: string } | null {
  const subj = r.subject;
  if (!subj) return null;
  if (subj.entity === 'event') {
    const e = d.events.find((x) => x.id === subj.id);
    if (!e) return null;
    const who = names(e.contact_ids, d.byId);
    return { title: `Follow up${who ? ` with ${who}` : ''} after ${e.title}`, href: e.contact_ids?.[0] ? `#/contacts/${e.contact_ids[0]}` : '#/contacts' };
  }
  if (subj.entity === 'referral') {
    const ref = d.referrals.find((x) => x.id === subj.id);
    if (!ref) return null;
    const who = d.byId.get(ref.contact_id ?? '')?.name ?? 'them';
    if (r.kind === 'thank_you') return null; // shown from the referral itself below
    return { title: `Tell ${who} how the referral${ref.prospect ? ` to ${ref.prospect}` : ''} went`, href: `#/referrals/${ref.id}` };
  }
  if (subj.entity === 'contact') {
    const c = d.byId.get(subj.id);
    if (!c) return null;
    return {
      title: r.kind === 'partner_meeting' ? `Time for your monthly meeting with ${c.name}` : `Follow up with ${c.name}`,
      href: `#/contacts/${c.id}`,
    };
  }
  if (subj.entity === 'note') {
    const n = d.notes.find((x) => x.id === subj.id);
    if (!n) return null;
    return { title: `Follow up with ${names(n.contact_ids, d.byId) || 'the people you met'}`, href: `#/notes/${n.id}` };
  }
  return null;
}

function isOpenReminder(r: Reminder, now: number) {
  if (r.status === 'done' || r.status === 'cancelled') return false;
  if (r.status === 'snoozed') return !!r.snoozed_until && Date.parse(r.snoozed_until) <= now;
  return !!r.due_at && Date.parse(r.due_at) <= now + 12 * 3600_000;
}

function tomorrowMorning() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return d.toISOString();
}

export function Today() {
  const d = useData();
  const { user } = useStore(app);
  const now = Date.now();
  if (!d) return <div class="skeleton" aria-busy="true" />;

  const dueAsks = d.asks.filter((a) => isDue(a, now)).sort((a, b) => (a.due_at ?? '').localeCompare(b.due_at ?? ''));
  const owed = d.referrals.filter((r) => r.direction === 'received' && !r.thanks?.sent_at);
  const followUps = d.reminders
    .filter((r) => r.kind !== 'ask' && r.kind !== 'thank_you' && isOpenReminder(r, now))
    .map((r) => ({ r, t: reminderText(r, d) }))
    .filter((x) => x.t);
  const rhythm = weekRhythm(d.events, d.notes);
  const goals = { one_to_ones: user?.goals?.one_to_ones ?? 5, events: user?.goals?.events ?? 3 };
  const nothing = !dueAsks.length && !owed.length && !followUps.length;
  const first = (user?.name || '').split(' ')[0];

  const markAsked = (id: string) =>
    save((w) => w.put('ask', id, { status: 'asked', asked_at: new Date().toISOString() })).then(() => toast('Marked as asked. Good luck!'));
  const thank = (id: string, medium: Medium) =>
    save((w) => w.put('referral', id, { thanks: { ...(d.referrals.find((r) => r.id === id)?.thanks ?? {}), sent_at: new Date().toISOString(), medium } })).then(() =>
      toast('Thank-you noted'),
    );
  const doneReminder = (id: string) => save((w) => w.put('reminder', id, { status: 'done' }));
  const snooze = (id: string) => save((w) => w.put('reminder', id, { status: 'snoozed', snoozed_until: tomorrowMorning() })).then(() => toast('Snoozed until tomorrow'));

  return (
    <div class="stack">
      <div class="hello">
        <h1 tabIndex={-1}>
          {greeting()}
          {first ? `, ${first}` : ''}
        </h1>
        <p class="muted">{new Date().toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' })}</p>
      </div>

      {d.contacts.length === 0 && d.notes.length === 0 ? (
        <div class="card tint stack-sm">
          <h2>Start with one person</h2>
          <p>After your next coffee, call or chapter meeting, tap + and jot what happened. Askwell will tell you when it is a good moment to ask.</p>
          <div class="row" style={{ marginTop: '8px' }}>
            <a class="btn primary" href="#/capture">
              Log a meeting
            </a>
            <a class="btn" href="#/contacts/new">
              Add a contact
            </a>
          </div>
        </div>
      ) : (
        nothing && (
          <Empty title="All clear for today">
            <p>Had a coffee or a call? Tap + to log it in ten seconds.</p>
          </Empty>
        )
      )}

      {dueAsks.length > 0 && (
        <Section title="Asks due" count={dueAsks.length}>
          <ul class="list">
            {dueAsks.map((a) => {
              const line = askLine(a, d.byId, d.notes, now);
              return (
                <li key={a.id} class="card stack-sm">
                  <a href={`#/asks/${a.id}`} style={{ color: 'inherit', textDecoration: 'none' }}>
                    <h3>{line.title}</h3>
                    {line.reason && <p class="muted small">{line.reason}</p>}
                  </a>
                  {a.script && <p class="small pre">“{a.script}”</p>}
                  <div class="row">
                    <button type="button" class="btn primary" onClick={() => markAsked(a.id)}>
                      I asked
                    </button>
                    <a class="btn quiet" href={`#/asks/${a.id}`}>
                      Open
                    </a>
                  </div>
                </li>
              );
            })}
          </ul>
        </Section>
      )}

      {owed.length > 0 && (
        <Section title="Thank-yous owed" count={owed.length}>
          <ul class="list">
            {owed.map((r) => (
              <li key={r.id} class="card stack-sm">
                <h3>{thankLine(r, d.byId)}</h3>
                <p class="muted small">
                  {r.at ? `Received ${relDay(Date.parse(r.at), now)}. ` : ''}A handwritten card is remembered.
                </p>
                <ThanksChips onPick={(m) => thank(r.id, m)} />
              </li>
            ))}
          </ul>
        </Section>
      )}

      {followUps.length > 0 && (
        <Section title="Follow-ups" count={followUps.length}>
          <ul class="list">
            {followUps.map(({ r, t }) => (
              <li key={r.id} class="card stack-sm">
                <a href={t!.href} style={{ color: 'inherit', textDecoration: 'none' }}>
                  <h3>{t!.title}</h3>
                </a>
                <div class="row">
                  <button type="button" class="btn" onClick={() => doneReminder(r.id)}>
                    Done
                  </button>
                  <button type="button" class="btn quiet" onClick={() => snooze(r.id)}>
                    Tomorrow
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </Section>
      )}

      <Section title="This week">
        <div class="card stack">
          <Meter label="one-to-ones" n={rhythm.oneToOnes} goal={goals.one_to_ones} />
          <Meter label="events" n={rhythm.events} goal={goals.events} />
          <p class="muted small">
            {rhythm.oneToOnes >= goals.one_to_ones
              ? 'Goal met. Steady rhythm is what makes referrals come.'
              : 'A coffee with a referral source every workday adds up over the years.'}
          </p>
        </div>
      </Section>
    </div>
  );
}

function Meter({ label, n, goal }: { label: string; n: number; goal: number }) {
  const pct = goal > 0 ? Math.min(100, Math.round((n / goal) * 100)) : 100;
  return (
    <div class="stack-sm" style={{ gap: '6px' }}>
      <div class="spread">
        <strong>
          {n} of {goal} {label}
        </strong>
        {n >= goal && goal > 0 && <span class="tag ok">Done</span>}
      </div>
      <div class="meter" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={goal} aria-valuenow={n}>
        <span style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
