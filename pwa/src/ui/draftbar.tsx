import type { Draft } from '../state/drafts';

/** "Draft kept on this device · Discard": shown while a form holds anything typed. */
export function DraftBar<T>({ draft }: { draft: Draft<T> }) {
  if (!draft.dirty) return null;
  return (
    <div class="draftbar small" role="status">
      <span class="muted">Draft kept on this device.</span>
      <button type="button" class="btn quiet" onClick={() => void draft.discard()}>
        Discard draft
      </button>
    </div>
  );
}
