import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { app } from '../session';
import { Header, TabBar } from './components';
import { useRoute } from './router';
import { Today } from './screens/Today';
import { useStore } from '../state/store';

/**
 * Screens other than Today load on first use. The service worker precaches their chunks, so
 * after the first visit they come from the cache in a few milliseconds; the capture screen is
 * fetched as soon as Today has shown, so tapping + finds it in memory.
 */
function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let C: ComponentType<P> | null = null;
  let pending: Promise<void> | null = null;
  return function Lazy(props: P) {
    const [, setReady] = useState(false);
    useEffect(() => {
      if (!C) {
        pending ??= load().then((c) => void (C = c));
        void pending.then(() => setReady(true));
      }
    }, []);
    return C ? <C {...props} /> : <div class="skeleton" aria-busy="true" />;
  };
}
const capture = () => import('./screens/Capture');
const Capture = lazy(() => capture().then((m) => m.Capture));
const contacts = () => import('./screens/Contacts');
const asks = () => import('./screens/Asks');
const referrals = () => import('./screens/Referrals');
const ContactList = lazy(() => contacts().then((m) => m.ContactList));
const ContactPage = lazy(() => contacts().then((m) => m.ContactPage));
const ContactForm = lazy(() => contacts().then((m) => m.ContactForm));
const AskList = lazy(() => asks().then((m) => m.AskList));
const AskForm = lazy(() => asks().then((m) => m.AskForm));
const ReferralList = lazy(() => referrals().then((m) => m.ReferralList));
const ReferralForm = lazy(() => referrals().then((m) => m.ReferralForm));
const NextStepsPage = lazy(() => import('./screens/NextSteps').then((m) => m.NextStepsPage));
const NoteView = lazy(() => import('./screens/NoteView').then((m) => m.NoteView));
const SearchScreen = lazy(() => import('../search/SearchScreen').then((m) => m.SearchScreen));
const Settings = lazy(() => import('./screens/Settings').then((m) => m.Settings));
const ImportScreen = lazy(() => import('./screens/YourData').then((m) => m.ImportScreen));
const AuthScreen = lazy(() => import('./screens/Auth').then((m) => m.AuthScreen));

export function App() {
  const s = useStore(app);
  const route = useRoute();
  useEffect(() => {
    const t = setTimeout(() => void capture(), 300);
    return () => clearTimeout(t);
  }, []);
  const [top = 'today', id, sub] = route.path;

  if (!s.ready) return <main aria-busy="true" />;
  if (!s.user || top === 'login' || top === 'register') {
    // first visit: create an account; "Sign in" is one tap away
    const mode = top === 'login' || (s.user && top !== 'register') || s.sessionEnded ? 'login' : 'register';
    return <AuthScreen mode={mode} key={mode} />;
  }

  let screen;
  switch (top) {
    case 'capture':
      screen = <Capture route={route} key={route.query.toString()} />;
      break;
    case 'contacts':
      screen = !id ? <ContactList /> : id === 'new' ? <ContactForm route={route} /> : sub === 'edit' ? <ContactForm id={id} route={route} key={id} /> : <ContactPage id={id} />;
      break;
    case 'asks':
      screen = !id ? <AskList /> : id === 'new' ? <AskForm route={route} key={route.query.toString()} /> : <AskForm id={id} route={route} key={id} />;
      break;
    case 'referrals':
      screen = !id ? <ReferralList /> : id === 'new' ? <ReferralForm route={route} key={route.query.toString()} /> : <ReferralForm id={id} route={route} key={id} />;
      break;
    case 'notes':
      screen = <NoteView id={id} key={id} />;
      break;
    case 'search':
      screen = <SearchScreen route={route} />;
      break;
    case 'settings':
      screen = <Settings />;
      break;
    case 'next':
      screen = <NextStepsPage />;
      break;
    case 'import':
      screen = <ImportScreen />;
      break;
    default:
      screen = <Today />;
  }
  const tab = ['today', 'contacts', 'capture', 'asks', 'referrals'].includes(top) ? top : '';

  return (
    <>
      <a class="sr-only" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <Header />
      {s.applyUpdate && (
        <div class="banner app-banner" role="status">
          A new version of Askwell is ready.
          <button type="button" class="btn" onClick={s.applyUpdate}>
            Reload
          </button>
        </div>
      )}
      {s.sessionEnded && (
        <div class="banner app-banner" role="status">
          Your session ended. Notes stay on this device.
          <a class="btn" href="#/login">
            Sign in
          </a>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
      <TabBar current={tab} />
      {s.toast && (
        <div class="toast" role="status" aria-live="polite">
          {s.toast}
        </div>
      )}
    </>
  );
}
