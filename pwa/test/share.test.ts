import { describe, expect, it } from 'vitest';
import { receiveShare, SHARED_FILE } from '../src/share';

/** A CacheStorage with one in-memory cache, enough for the share target. */
function memoryCaches() {
  const store = new Map<string, Response>();
  const cache = { put: async (k: string, r: Response) => void store.set(k, r) };
  return { caches: { open: async () => cache } as unknown as CacheStorage, store };
}

describe('share target', () => {
  it('opens a new note with shared text and link, the link once', async () => {
    const form = new FormData();
    form.set('title', 'Great article');
    form.set('text', 'Read this https://example.com/a');
    form.set('url', 'https://example.com/a');
    const to = await receiveShare(form, memoryCaches().caches);
    expect(to.startsWith('/#/capture?note=')).toBe(true);
    expect(new URLSearchParams(to.split('?')[1]).get('note')).toBe('Great article\nRead this https://example.com/a');
  });

  it('keeps a shared file for the import screen', async () => {
    const form = new FormData();
    form.set('file', new File(['BEGIN:VCARD\r\nFN:Dana\r\nEND:VCARD\r\n'], 'Dana Ødegård.vcf', { type: 'text/vcard' }));
    const { caches, store } = memoryCaches();
    expect(await receiveShare(form, caches)).toBe('/#/import');
    const res = store.get(SHARED_FILE)!;
    expect(decodeURIComponent(res.headers.get('x-file-name')!)).toBe('Dana Ødegård.vcf');
    expect(await res.text()).toContain('FN:Dana');
  });
});
