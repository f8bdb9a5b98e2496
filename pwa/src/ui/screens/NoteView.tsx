import { useState } from 'preact/hooks';
import { fmtDate } from '../../domain/playbook';
import { adviceFor, SIGNAL_LABEL } from '../../domain/words';
import { save, toast } from '../../session';
import { NotFound, Title } from '../parts';
import { Conflicts } from '../conflicts';
import { names, useData, when } from '../../state/data';
import { back } from '../router';

export function NoteView({ id }: { id: string }) {
  const d = useData();
  const [draft, setDraft] = useState<string | null>(null);
  if (!d) return <div class="skeleton" aria-busy="true" />;
  const n = d.notes.find((x) => x.id === id);
  if (!n) {
    return <NotFound title="Note" what="note" backTo="/today" />;
  }
  const ev = n.event_id ? d.events.find((e) => e.id === n.event_id) : undefined;
  const kinds = [...new Set((n.signals ?? []).map((s) => s.kind))];
  const advice = adviceFor(kinds);
  const body = draft ?? n.body ?? '';
  const dirty = draft !== null && draft !== (n.body ?? '');
  const saveBody = async (e: Event) => {
    e.preventDefault();
    await save((w) => w.put('note', id, { body }));
    setDraft(null);
    toast('Saved');
  };
  const del = async () => {
    await save((w) => w.remove('note', id));
    toast('Note deleted');
    back('/today');
  };
  const who = names(n.contact_ids, d.byId);
  return (
    <form class="stack" onSubmit={saveBody}>
      <Title backTo="/today">{who ? `With ${who}` : 'Note'}</Title>
      <p class="muted">
        {fmtDate(new Date(when(n)).toISOString())}
        {ev ? ` · ${ev.title}` : ''}
      </p>
      <Conflicts entity="note" rec={n} />
      <label class="field">
        Note
        <textarea rows={8} value={body} onInput={(e) => setDraft(e.currentTarget.value)} />
      </label>
      {kinds.length > 0 && (
        <div class="chips" aria-label="Signals">
          {kinds.map((k) => (
            <span key={k} class="tag">
              {SIGNAL_LABEL[k]}
            </span>
          ))}
        </div>
      )}
      {advice && (
        <div class={`advice ${advice.tone}`}>
          <strong>{advice.title}</strong>
          <span>{advice.text}</span>
        </div>
      )}
      <div class="row">
        {(n.contact_ids ?? []).map((cid) => (
          <a key={cid} class="btn wrap" href={`#/contacts/${cid}`}>
            {d.byId.get(cid)?.name ?? 'Contact'}
          </a>
        ))}
      </div>
      <button type="submit" class="btn primary big block" disabled={!dirty}>
        Save changes
      </button>
      <button type="button" class="btn quiet" onClick={del}>
        Delete note
      </button>
    </form>
  );
}
