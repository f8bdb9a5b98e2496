import type { ComponentChildren } from 'preact';
import { initials, MEDIUM_LABEL, reasonLine } from '../domain/playbook';
import type { Readiness, Reason } from '../domain/readiness';
import type { Medium } from '../db/types';
import { app, runner } from '../session';
import { Icon } from './icons';
import { useStore } from '../state/store';

/** The small, honest sync indicator: synced · N waiting · offline · error. Tapping syncs now. */
export function SyncBadge() {
  const s = useStore(app);
  const { status, pending } = s.sync;
  let cls = 'synced';
  let text = 'Synced';
  if (!s.online || status === 'offline') {
    cls = 'offline';
    text = pending ? `Offline · ${pending} waiting` : 'Offline';
  } else if (s.sessionEnded || status === 'signed-out') {
    cls = 'error';
    text = 'Sign in to sync';
  } else if (status === 'full') {
    cls = 'error';
    text = 'Account full'; // short enough to keep the header on one line at 390 px
  } else if (status === 'error') {
    cls = 'error';
    text = pending ? `Sync error · ${pending} waiting` : 'Sync error';
  } else if (pending > 0) {
    cls = 'waiting';
    text = `${pending} waiting`;
  } else if (status === 'idle' || status === 'syncing') {
    cls = 'waiting';
    text = 'Syncing…';
  }
  return (
    <button type="button" class={`sync ${cls}`} onClick={() => runner.syncNow()} aria-live="polite" title={s.sync.error ?? 'Sync now'}>
      <span class="dot" aria-hidden="true" />
      {text}
    </button>
  );
}

export function Header() {
  const { user } = useStore(app);
  return (
    <header class="top">
      <a class="brand" href="#/today">
        <img src="/icons/icon-192.png" alt="" width={28} height={28} />
        Askwell
      </a>
      <SyncBadge />
      <a class="icon-link" href="#/search">
        <Icon name="search" />
        <span class="sr-only">Search</span>
      </a>
      <a class="avatar" href="#/settings">
        <span aria-hidden="true">{initials(user?.name || user?.email)}</span>
        <span class="sr-only">Settings</span>
      </a>
    </header>
  );
}

const TABS: Array<[string, string, string]> = [
  ['today', 'Today', 'today'],
  ['contacts', 'Contacts', 'contacts'],
  ['capture', 'New note', 'plus'],
  ['asks', 'Asks', 'asks'],
  ['referrals', 'Referrals', 'referrals'],
];

export function TabBar({ current }: { current: string }) {
  return (
    <nav class="tabs" aria-label="Main">
      {TABS.map(([id, label, icon]) => (
        <a key={id} href={`#/${id}`} class={id === 'capture' ? 'plus' : ''} aria-current={current === id ? 'page' : undefined}>
          {id === 'capture' ? (
            <>
              <span class="disc">
                <Icon name={icon} />
              </span>
              <span class="sr-only">{label}</span>
            </>
          ) : (
            <>
              <Icon name={icon} />
              {label}
            </>
          )}
        </a>
      ))}
    </nav>
  );
}

export function Empty({ title, children, action }: { title: string; children?: ComponentChildren; action?: ComponentChildren }) {
  return (
    <div class="empty">
      <strong>{title}</strong>
      {children}
      {action && <div>{action}</div>}
    </div>
  );
}

export function Section({ title, count, children }: { title: string; count?: number; children: ComponentChildren }) {
  return (
    <section class="stack-sm" aria-label={title}>
      <div class="section-title">
        <h2>{title}</h2>
        {count !== undefined && count > 0 && <span class="count">{count}</span>}
      </div>
      {children}
    </section>
  );
}

const MEDIA: Medium[] = ['card', 'email', 'call', 'gift'];

/** "Sent it? Card · Email · Call · Gift": one tap records how the thank-you went out. */
export function ThanksChips({ onPick }: { onPick: (m: Medium) => void }) {
  return (
    <fieldset class="thanks">
      <legend class="small muted">
        Sent it? Tap how:
      </legend>
      <div class="chips">
        {MEDIA.map((m) => (
          <button key={m} type="button" class="chip" onClick={() => onPick(m)}>
            {MEDIUM_LABEL[m]}
          </button>
        ))}
      </div>
    </fieldset>
  );
}

/** What the coach says, one line a reason ("Dana praised your work yesterday"). */
export function Reasons({ reasons, now = Date.now() }: { reasons: Reason[]; now?: number }) {
  return (
    <ul class="reasons">
      {reasons.map((x, i) => (
        <li key={`${x.code}-${i}`} class="small">
          {reasonLine(x, now)}
        </li>
      ))}
    </ul>
  );
}

/** A readiness state as a short tag. */
export const READINESS_TAG: Record<Readiness['state'], [label: string, cls: string]> = {
  ready: ['Ready', 'tag ok'],
  mixed: ['Your call', 'tag'],
  needs_work: ['Needs work', 'tag accent'],
  hold: ['On hold', 'tag'],
  not_yet: ['Planned', 'tag'],
};
