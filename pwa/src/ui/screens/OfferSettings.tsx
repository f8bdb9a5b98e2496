import { useState } from 'preact/hooks';
import { setMeta } from '../../db/db';
import { app, auth, db, toast } from '../../session';
import { useStore } from '../../state/store';
import { FormError, useAction } from '../parts';

/** The user's current special offer: the coach suggests sharing it and ask scripts can carry it. */
export function OfferSettings() {
  const { user } = useStore(app);
  const current = user?.special_offer;
  const [text, setText] = useState(current?.text ?? '');
  const [until, setUntil] = useState(current?.until ?? '');
  const { busy, msg, setMsg, run } = useAction();
  const send = (offer: { text: string; until?: string }) =>
    run(
      async () => {
        const { data, error } = await auth.api.PATCH('/me', { body: { special_offer: offer } });
        if (data) {
          app.set({ user: data });
          await setMeta(db, 'user', data);
          toast(offer.text ? 'Offer saved. The coach will suggest sharing it.' : 'Offer ended');
          if (!offer.text) setText('');
        } else setMsg(error?.error?.message ?? 'Could not save. Try again.');
      },
      () => 'You are offline. Try again when you are back online.',
    );
  const today = new Date().toISOString().slice(0, 10);
  return (
    <form
      class="card stack-sm"
      aria-labelledby="offer"
      onSubmit={(e) => {
        e.preventDefault();
        if (!text.trim()) return setMsg('Say what the offer is.');
        if (!until) return setMsg('Say until when it runs.');
        void send({ text: text.trim(), until });
      }}
    >
      <h2 id="offer">Special offer</h2>
      <p class="muted small">A special offer makes it easy for people to refer you. The coach suggests sharing it with partners and champions, and ask scripts can carry it.</p>
      <FormError text={msg} />
      <label class="field">
        The offer
        <textarea rows={2} maxLength={500} value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="A free first bookkeeping review for anyone you send my way" />
      </label>
      <label class="field">
        Until
        <input type="date" min={today} value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
      </label>
      <div class="row">
        <button type="submit" class="btn" disabled={busy}>
          Save the offer
        </button>
        {current?.text && (
          <button type="button" class="btn quiet" disabled={busy} onClick={() => send({ text: '' })}>
            End it
          </button>
        )}
      </div>
    </form>
  );
}
