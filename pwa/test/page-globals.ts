// The app's modules read the page's location and network state when they load: a test that
// loads them imports this before it does.
const g = globalThis as Record<string, unknown>;
g.location ??= new URL('http://askwell.test/');
g.navigator ??= { onLine: true };
