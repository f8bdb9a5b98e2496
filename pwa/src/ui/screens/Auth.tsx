import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { app, signIn } from '../../session';
import { go } from '../router';
import { useStore } from '../../state/store';

export function AuthScreen({ mode }: { mode: 'login' | 'register' }) {
  const { user, sessionEnded } = useStore(app);
  const [email, setEmail] = useState(user?.email ?? '');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  const reg = mode === 'register';

  const submit = async (e: Event) => {
    e.preventDefault();
    setErr('');
    if (reg && password.length < 8) return setErr('Use at least 8 characters for the password.');
    setBusy(true);
    try {
      await signIn(mode, {
        email: email.trim(),
        password,
        ...(reg ? { name: name.trim() || undefined, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone } : {}),
      });
      go('/today');
    } catch (x) {
      if (x instanceof ApiError) {
        setErr(
          x.code === 'email_taken'
            ? 'That email already has an account. Sign in instead.'
            : x.status === 401
              ? 'Email or password does not match.'
              : x.status === 429
                ? 'Too many tries. Wait a minute and try again.'
                : x.message,
        );
      } else setErr('No connection. Signing in needs the internet once; after that Askwell works offline.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="auth">
      <form class="stack" onSubmit={submit}>
        <img class="logo" src="/icons/icon-192.png" alt="" width={64} height={64} />
        <div class="stack-sm">
          <h1>{reg ? 'Create your account' : sessionEnded ? 'Sign in again' : 'Welcome back'}</h1>
          <p class="muted">
            {reg
              ? 'Jot what happened after every coffee. Ask the right person at the right moment. Never forget the thank-you.'
              : sessionEnded
                ? 'Your session ended. Your notes are safe on this device and sync once you are signed in.'
                : 'Sign in to sync your notes across your devices.'}
          </p>
        </div>
        {reg && (
          <label class="field">
            Your name
            <input type="text" autoComplete="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        )}
        <label class="field">
          Email
          <input type="email" required autoComplete="email" inputMode="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label class="field">
          Password
          {reg && <span class="hint">At least 8 characters</span>}
          <input
            type="password"
            required
            minLength={reg ? 8 : undefined}
            autoComplete={reg ? 'new-password' : 'current-password'}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {err && (
          <p role="alert" class="banner">
            {err}
          </p>
        )}
        <button type="submit" class="btn primary big block" disabled={busy}>
          {busy ? 'One moment…' : reg ? 'Create account' : 'Sign in'}
        </button>
        <p class="muted center">
          {reg ? 'Already have an account? ' : 'New to Askwell? '}
          <a href={reg ? '#/login' : '#/register'}>{reg ? 'Sign in' : 'Create an account'}</a>
        </p>
      </form>
    </main>
  );
}
