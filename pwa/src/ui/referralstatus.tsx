import { fmtDate, MEDIUM_LABEL } from '../domain/playbook';
import type { Medium, Referral } from '../db/types';
import { save, toast } from '../session';
import { ThanksChips } from './components';
import type { Data } from '../state/data';

const STATUS_WORD: Record<NonNullable<Referral['status']>, string> = { open: 'Open', contacted: 'Contacted', met: 'Met', won: 'Won', lost: 'Lost' };

/** A date input's value for an instant, in this device's calendar. */
function dayValue(iso?: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * Where a referral stands, above its form: its status, the thank-you (due, or sent and how)
 * and the scheduled "tell them how it went" follow-up, which can be moved here.
 */
export function ReferralStatus({ r, d }: { r: Referral; d: Data }) {
  const who = d.byId.get(r.contact_id ?? '')?.name ?? 'them';
  const first = who.split(' ')[0];
  const rems = d.reminders.filter((x) => x.subject?.entity === 'referral' && x.subject.id === r.id);
  const thankRem = rems.find((x) => x.kind === 'thank_you');
  const followRem = rems.find((x) => x.kind === 'follow_up' && x.status !== 'cancelled');
  const thanksDue = r.thanks?.due_at ?? thankRem?.due_at ?? (r.at ? new Date(Date.parse(r.at) + 86400_000).toISOString() : null);
  const followAt = r.follow_up_at ?? (followRem && followRem.status !== 'done' ? (followRem.snoozed_until ?? followRem.due_at) : null);
  const ask = r.ask_id ? d.asks.find((a) => a.id === r.ask_id) : undefined;
  const thank = (m: Medium) =>
    save((w) => w.put('referral', r.id, { thanks: { ...(r.thanks ?? {}), sent_at: new Date().toISOString(), medium: m } })).then(() => toast(`Thank-you by ${MEDIUM_LABEL[m].toLowerCase()} noted`));
  const setFollow = (day: string) => {
    const t = day ? new Date(`${day}T09:00`) : null;
    return save((w) => w.put('referral', r.id, { follow_up_at: t && !Number.isNaN(t.getTime()) ? t.toISOString() : null }));
  };
  return (
    <section class="card stack-sm" aria-label="Where it stands">
      <div class="spread">
        <h2>{r.direction === 'received' ? `${who} referred ${r.prospect || 'someone'} to you` : `You referred ${r.prospect || 'someone'} to ${who}`}</h2>
        <span class={`tag${r.status === 'won' ? ' ok' : ''}`}>{STATUS_WORD[r.status ?? 'open']}</span>
      </div>
      {ask && (
        <p class="small">
          <a href={`#/asks/${ask.id}`}>From your ask</a>, marked introduced.
        </p>
      )}
      {r.direction === 'received' &&
        (r.thanks?.sent_at ? (
          <p class="small" data-thanks="sent">
            <span class="tag ok">Thanked</span> by {MEDIUM_LABEL[r.thanks.medium ?? 'card'].toLowerCase()}, {fmtDate(r.thanks.sent_at)}
          </p>
        ) : (
          <div class="stack-sm" data-thanks="due">
            <p class="small">
              <strong>Thank-you due</strong>
              {thanksDue ? ` ${fmtDate(thanksDue)}` : ''}. A handwritten card to {first} is remembered.
            </p>
            <ThanksChips onPick={thank} />
          </div>
        ))}
      <label class="field small">
        Tell {first} how it went on
        <input type="date" value={dayValue(followAt)} onChange={(e) => void setFollow(e.currentTarget.value)} />
        <span class="hint">{followAt ? `Follow-up planned for ${fmtDate(followAt)}.` : r.direction === 'received' ? 'Planned two weeks after your thank-you.' : 'Pick a day to check in.'}</span>
      </label>
    </section>
  );
}
