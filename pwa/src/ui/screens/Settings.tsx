import { useEffect, useState } from 'preact/hooks';
import { disablePush, enablePush, pushState, type PushState } from '../../push/subscription';
import type { User } from '../../db/types';
import { app, auth, db, signOut, toast } from '../../session';
import { FormError, Title, useAction } from '../parts';
import { useLive, useStore } from '../../state/store';
import { OfferSettings } from './OfferSettings';
import { setMeta } from '../../db/db';
import { DeleteAccountSection, YourData } from './YourData';
import { isIOS, standalone } from '../../platform';

function zones(current: string): string[] {
  let list: string[] = [];
  try {
    list = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    list = [];
  }
  if (current && !list.includes(current)) list = [current, ...list];
  return list.length ? list : ['UTC'];
}


export function Settings() {
  const s = useStore(app);
  const u = s.user;
  const [f, setF] = useState<Partial<User> | null>(null);
  const { busy, msg, setMsg, run } = useAction();
  const [confirmOut, setConfirmOut] = useState(false);
  const pending = useLive(() => db.outbox.count(), []) ?? 0;
  if (!u) return null;
  const v = { ...u, ...f };
  const set = (p: Partial<User>) => setF({ ...f, ...p });
  const quiet = v.quiet_hours ?? { start: '21:00', end: '07:30' };
  /** A weekly goal's field: a whole number from 0 to 50. */
  const goal = (key: 'one_to_ones' | 'events', label: string, otherwise: number) => (
    <label class="field">
      {label}
      <input
        type="number"
        inputMode="numeric"
        min={0}
        max={50}
        value={v.goals?.[key] ?? otherwise}
        onInput={(e) => set({ goals: { ...v.goals, [key]: Math.max(0, Math.min(50, Number(e.currentTarget.value) || 0)) } })}
      />
    </label>
  );

  const saveProfile = async (e: Event) => {
    e.preventDefault();
    if (!f) return;
    await run(
      async () => {
        const { data, error } = await auth.api.PATCH('/me', {
          body: {
            ...(f.name !== undefined ? { name: f.name } : {}),
            ...(f.timezone !== undefined ? { timezone: f.timezone } : {}),
            ...(f.quiet_hours !== undefined ? { quiet_hours: f.quiet_hours } : {}),
            ...(f.goals !== undefined ? { goals: f.goals } : {}),
          },
        });
        if (data) {
          app.set({ user: data });
          await setMeta(db, 'user', data);
          setF(null);
          toast('Settings saved');
        } else setMsg(error?.error?.message ?? 'Could not save. Try again.');
      },
      () => 'You are offline. Settings are saved on the server, so try again when you are back online.',
    );
  };

  const install = async () => {
    await s.installEvent?.prompt?.();
    app.set({ installEvent: null });
  };

  return (
    <div class="stack">
      <Title backTo="/today">Settings</Title>
      <form class="card stack" onSubmit={saveProfile}>
        <h2>Profile</h2>
        <p class="muted small">Signed in as {u.email}</p>
        <label class="field">
          Name
          <input type="text" autoComplete="name" value={v.name} onInput={(e) => set({ name: e.currentTarget.value })} />
        </label>
        <label class="field">
          Time zone
          <select value={v.timezone} onChange={(e) => set({ timezone: e.currentTarget.value })}>
            {zones(v.timezone).map((z) => (
              <option key={z}>{z}</option>
            ))}
          </select>
        </label>
        <fieldset class="stack-sm">
          <legend>Quiet hours</legend>
          <p class="muted small">No reminders arrive between these times; they wait until the morning.</p>
          <div class="row fields short">
            <label class="field">
              From
              <input type="time" value={quiet.start} onInput={(e) => set({ quiet_hours: { ...quiet, start: e.currentTarget.value } })} />
            </label>
            <label class="field">
              To
              <input type="time" value={quiet.end} onInput={(e) => set({ quiet_hours: { ...quiet, end: e.currentTarget.value } })} />
            </label>
          </div>
        </fieldset>
        <fieldset class="stack-sm">
          <legend>Weekly goals</legend>
          <div class="row fields short">
            {goal('one_to_ones', 'One-to-ones', 5)}
            {goal('events', 'Events', 3)}
          </div>
        </fieldset>
        <FormError text={msg} />
        <button type="submit" class="btn primary" disabled={!f || busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      </form>

      <Reminders />

      <OfferSettings />

      <YourData />

      <section class="card stack-sm" aria-labelledby="install">
        <h2 id="install">Put Askwell on your home screen</h2>
        {standalone() ? (
          <p>Installed. Askwell opens like an app and works without a signal.</p>
        ) : s.installEvent ? (
          <>
            <p>Install it to open it in one tap after a meeting, even offline.</p>
            <div>
              <button type="button" class="btn primary" onClick={install}>
                Install Askwell
              </button>
            </div>
          </>
        ) : isIOS() ? (
          <ol class="stack-sm steps">
            <li>Open this page in Safari.</li>
            <li>Tap the Share button (the square with an arrow).</li>
            <li>Choose “Add to Home Screen”, then “Add”.</li>
            <li>Open Askwell from the home screen. Reminders only arrive on iPhone once it is installed this way.</li>
          </ol>
        ) : (
          <p>In your browser menu, choose “Install app” or “Add to Home screen”. On iPhone: Share, then “Add to Home Screen”.</p>
        )}
      </section>

      <section class="card stack-sm" aria-labelledby="out">
        <h2 id="out">Sign out</h2>
        <p class="muted small">Signing out removes your Askwell data from this device. It stays safe on the server.</p>
        {pending > 0 && confirmOut ? (
          <>
            <p role="alert" class="banner">
              {pending} change{pending === 1 ? ' has' : 's have'} not reached the server yet and will be lost.
            </p>
            <div class="row">
              <button type="button" class="btn" onClick={() => setConfirmOut(false)}>
                Keep me signed in
              </button>
              <button type="button" class="btn quiet" onClick={() => void signOut()}>
                Sign out anyway
              </button>
            </div>
          </>
        ) : (
          <div>
            <button type="button" class="btn" onClick={() => (pending > 0 ? setConfirmOut(true) : void signOut())}>
              Sign out
            </button>
          </div>
        )}
      </section>

      <DeleteAccountSection />
    </div>
  );
}

function Reminders() {
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  const [why, setWhy] = useState('');
  useEffect(() => {
    void pushState().then(setState);
  }, []);
  const turnOn = async () => {
    setBusy(true);
    setWhy('');
    try {
      const r = await enablePush(auth.api);
      setState(r.state);
      setWhy(r.why ?? '');
    } catch (e) {
      setState('failed');
      setWhy(`Something went wrong: ${(e as Error)?.message ?? e}`);
    } finally {
      setBusy(false);
    }
  };
  const turnOff = async () => {
    setBusy(true);
    await disablePush(auth.api).catch(() => undefined);
    setState('off');
    setBusy(false);
  };
  const onButton = (label: string) => (
    <div>
      <button type="button" class="btn primary" disabled={busy} onClick={turnOn}>
        {busy ? 'Setting up…' : label}
      </button>
    </div>
  );
  const iosHint = isIOS() && !standalone();
  return (
    <section class="card stack-sm" aria-labelledby="reminders" data-push={state ?? 'checking'}>
      <h2 id="reminders">Reminders on this device</h2>
      {state === null ? (
        <p class="muted">Checking…</p>
      ) : state === 'on' ? (
        <>
          <p role="status">On. Askwell tells you when an ask is due, a thank-you is owed or a follow-up is next, outside your quiet hours.</p>
          <div>
            <button type="button" class="btn" disabled={busy} onClick={turnOff}>
              Turn off
            </button>
          </div>
        </>
      ) : state === 'off' ? (
        <>
          <p>Get a nudge at the right moment: when an ask is due, a thank-you is owed, or it is time to follow up.</p>
          {onButton('Turn on reminders')}
        </>
      ) : state === 'failed' ? (
        <>
          <p role="alert">Reminders are not on yet.</p>
          {onButton('Try again')}
        </>
      ) : state === 'denied' ? (
        <p role="status">Notifications are blocked for Askwell. Allow them in your browser’s site settings, then come back here.</p>
      ) : state === 'needs-install' || iosHint ? (
        <p role="status">On iPhone and iPad, reminders arrive once Askwell is on your home screen: tap Share, then “Add to Home Screen”. Open it from there and turn them on here.</p>
      ) : (
        <p role="status">Reminders cannot be shown in this browser. Today still lists everything that is due.</p>
      )}
      {why && <p class="small muted">{why}</p>}
    </section>
  );
}
