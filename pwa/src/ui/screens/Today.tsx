import type { ComponentChildren } from 'preact';
import { askTitle, fmtDate, relDay, thankLine, weekRhythm } from '../../domain/playbook';
import type { Medium } from '../../db/types';
import { app, save, toast } from '../../session';
import { Empty, READINESS_TAG, Reasons, Section, ThanksChips } from '../components';
import { type Data, useData } from '../../state/data';
import { type AskNow, dueToday } from '../../state/due';
import { useStore } from '../../state/store';
import { useEffect, useState } from 'preact/hooks';

function greeting(d = new Date()) {
  const h = d.getHours();
  return h >= 5 && h < 12 ? 'Good morning' : h >= 12 && h < 18 ? 'Good afternoon' : 'Good evening';
}

function tomorrowMorning() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return d.toISOString();
}

export function Today() {
  const d = useData();
  const { user, sync } = useStore(app);
  const now = Date.now();
  // the next two weeks load just after what is due now: they are not needed for the first paint
  const [later, setLater] = useState<typeof import('../../state/upcoming') | null>(null);
  useEffect(() => void import('../../state/upcoming').then(setLater), []);
  // so do the next steps: the coach's suggestions come after what is due now
  const [steps, setSteps] = useState<typeof import('./NextSteps') | null>(null);
  useEffect(() => void import('./NextSteps').then(setSteps), []);
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const next = later ? later.upcoming(d, now, user?.timezone) : [];

  const { ready, mixed, needsWork, held, owed, followUps } = dueToday(d, now, { tz: user?.timezone, pending: sync.pending });
  const rhythm = weekRhythm(d.events);
  const goals = { one_to_ones: user?.goals?.one_to_ones ?? 5, events: user?.goals?.events ?? 3 };
  const nothing = !ready.length && !mixed.length && !needsWork.length && !held.length && !owed.length && !followUps.length && !d.suggestions.length;
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
          <div class="row gap-above">
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

      <AskSection title="Ready now" list={ready} d={d} now={now}>
        {(x) => (
          <>
            {x.a.script && <p class="small pre">“{x.a.script}”</p>}
            <AskedRow id={x.a.id} primary onAsked={markAsked} />
          </>
        )}
      </AskSection>

      <AskSection title="Your call" list={mixed} d={d} now={now}>
        {(x) => <AskedRow id={x.a.id} onAsked={markAsked} />}
      </AskSection>

      <AskSection title="Needs work" list={needsWork} d={d} now={now}>
        {(x) => (
          <div class="row">
            {x.r.reasons.some((r) => r.code === 'no_target' || r.code === 'vague_target') && (
              <a class="btn" href={`#/asks/${x.a.id}`}>
                Name one person
              </a>
            )}
            {x.r.reasons.some((r) => r.code === 'build_trust' || r.code === 'champion_checks') && (
              <a class="btn" href={`#/contacts/${x.a.contact_id}`}>
                {x.r.missing?.length ? 'Champion checks' : `See ${d.byId.get(x.a.contact_id ?? '')?.name ?? 'them'}`}
              </a>
            )}
            <button type="button" class="btn quiet" onClick={() => markAsked(x.a.id)}>
              I asked anyway
            </button>
          </div>
        )}
      </AskSection>

      <AskSection title="On hold" list={held} d={d} now={now}>
        {() => null}
      </AskSection>

      {steps && <steps.NextStepsCard d={d} now={now} />}

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
                <a class="plain" href={t.href}>
                  <h3>{t.title}</h3>
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

      {next.length > 0 && (
        <Section title="Upcoming" count={next.length}>
          <p class="muted small">The next {later?.UPCOMING_DAYS} days.</p>
          <ul class="list upcoming">
            {next.map((x) => (
              <li key={x.key}>
                <a class="card plain upcoming-item" href={x.href} data-what={x.what}>
                  <span class="when small">{dayAndTime(x.at, now)}</span>
                  <span>{x.title}</span>
                </a>
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

/** A section of asks in one readiness state; nothing when there are none. */
function AskSection({ title, list, d, now, children }: { title: string; list: AskNow[]; d: Data; now: number; children: (x: AskNow) => ComponentChildren }) {
  if (!list.length) return null;
  return (
    <Section title={title} count={list.length}>
      <ul class="list">
        {list.map((x) => (
          <AskItem key={x.a.id} x={x} d={d} now={now}>
            {children(x)}
          </AskItem>
        ))}
      </ul>
    </Section>
  );
}

function AskedRow({ id, primary, onAsked }: { id: string; primary?: boolean; onAsked: (id: string) => void }) {
  return (
    <div class="row">
      <button type="button" class={`btn${primary ? ' primary' : ''}`} onClick={() => onAsked(id)}>
        I asked
      </button>
      <a class="btn quiet" href={`#/asks/${id}`}>
        Open
      </a>
    </div>
  );
}

/** An ask with what the coach says about it: why now, why not yet, or what to fix. */
function AskItem({ x, d, now, children }: { x: AskNow; d: Data; now: number; children?: ComponentChildren }) {
  const [label, cls] = READINESS_TAG[x.r.state];
  return (
    <li class="card stack-sm" data-readiness={x.r.state}>
      <a href={`#/asks/${x.a.id}`} class="plain stack-sm">
        <div class="spread">
          <h3 class="grow">{askTitle(x.a, d.byId)}</h3>
          <span class={cls}>{label}</span>
        </div>
        <Reasons reasons={x.r.reasons} now={now} />
        {x.r.hold_until && <p class="muted small">Ask again from {fmtDate(x.r.hold_until)}.</p>}
      </a>
      {children}
    </li>
  );
}

/** "Tomorrow, 09:00" or "Mon 30 Nov, 09:00". */
function dayAndTime(at: number, now: number): string {
  const rel = relDay(at, now);
  const day = rel === 'tomorrow' || rel === 'today' ? rel[0].toUpperCase() + rel.slice(1) : fmtDate(new Date(at).toISOString());
  return `${day}, ${new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
}

function Meter({ label, n, goal }: { label: string; n: number; goal: number }) {
  const pct = goal > 0 ? Math.min(100, Math.round((n / goal) * 100)) : 100;
  return (
    <div class="stack-sm gauge">
      <div class="spread">
        <strong>
          {n} of {goal} {label}
        </strong>
        {n >= goal && goal > 0 && <span class="tag ok">Done</span>}
      </div>
      <div class="meter" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={goal} aria-valuenow={n}>
        <span style={{ '--pct': `${pct}%` }} />
      </div>
    </div>
  );
}
