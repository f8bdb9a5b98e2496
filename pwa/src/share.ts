// The manifest's share target: another app shares text, a link or a contacts file to Askwell.
// The service worker answers the POST itself (it works offline): text and links open a new
// note with them in it; a file waits in a cache for the import screen.

export const SHARE_PATH = '/share-target';
export const SHARE_CACHE = 'askwell-share';
export const SHARED_FILE = 'shared-file';

/** Turns the shared form into where the app should open. */
export async function receiveShare(form: FormData, caches: CacheStorage): Promise<string> {
  const file = form.get('file');
  if (file && typeof file !== 'string' && file.size > 0) {
    const cache = await caches.open(SHARE_CACHE);
    await cache.put(SHARED_FILE, new Response(file, { headers: { 'x-file-name': encodeURIComponent(file.name || 'shared file') } }));
    return '/#/import';
  }
  const parts = ['title', 'text', 'url'].map((k) => String(form.get(k) ?? '').trim()).filter(Boolean);
  // A link often arrives in both text and url: keep it once.
  const note = parts.filter((p, i) => !parts.some((q, j) => j !== i && q.length > p.length && q.includes(p))).join('\n');
  return note ? `/#/capture?note=${encodeURIComponent(note.slice(0, 5000))}` : '/#/capture';
}
