import type { Conflict, Entity } from '../db/types';
import { fmtDate } from '../domain/playbook';
import { save, toast } from '../session';

const FIELD_LABEL: Record<string, string> = {
  body: 'note',
  script: 'script',
  why: 'reason',
  outcome: 'outcome',
  how_met: '"how we met"',
  what_they_do: '"what they do"',
  notes: 'notes',
};

/**
 * Long text edited on two devices at once: the server kept the overwritten text. Show both and
 * let the user keep one or both; resolving puts the chosen text and drops those conflicts.
 */
export function Conflicts({ entity, rec }: { entity: Entity; rec: Record<string, unknown> & { id: string; conflicts?: Conflict[] } }) {
  const list = rec.conflicts ?? [];
  if (!list.length) return null;
  const resolve = async (c: Conflict, text: string) => {
    const rest = list.filter((x) => x !== c);
    await save((w) => w.put(entity, rec.id, { [c.field]: text, conflicts: rest } as never));
    toast('Kept. Both devices will show this now.');
  };
  return (
    <>
      {list.map((c, i) => {
        const current = String(rec[c.field] ?? '');
        return (
          <section key={i} class="card conflict stack-sm" aria-label="Edited on two devices">
            <h2>This {FIELD_LABEL[c.field] ?? c.field} was edited on two devices</h2>
            <p class="small muted">Nothing was lost. Pick what to keep.</p>
            <div class="stack-sm">
              <strong class="small">Now showing</strong>
              <p class="pre card">{current || '(empty)'}</p>
              <strong class="small">The other version{c.at ? `, replaced ${fmtDate(c.at)}` : ''}</strong>
              <p class="pre card">{c.value || '(empty)'}</p>
            </div>
            <div class="row">
              <button type="button" class="btn" onClick={() => resolve(c, current)}>
                Keep the one showing
              </button>
              <button type="button" class="btn" onClick={() => resolve(c, c.value)}>
                Keep the other
              </button>
              <button type="button" class="btn primary" onClick={() => resolve(c, `${current}\n\n${c.value}`)}>
                Keep both
              </button>
            </div>
          </section>
        );
      })}
    </>
  );
}
