import { capitalize, RULES } from './readiness';

// How the coach speaks of a meeting (rules.json meeting_texts), as the server does
// (playbook/meeting.go); both pass the shared vectors of testdata/meetings.json.

const TEXTS = RULES.meeting_texts as Record<string, string>;

/** An event's title inside a sentence: "Coffee with Dana" reads "coffee with Dana". */
export function eventName(title: string | null | undefined): string {
  const t = (title ?? '').trim().split(/\s+/).filter(Boolean).join(' ');
  const first = t.split(' ')[0].toLowerCase();
  return RULES.event_words.includes(first) ? t[0].toLowerCase() + t.slice(1) : t;
}

function joinAnd(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function say(code: string, names: string, event: string): string {
  return capitalize(TEXTS[code].replace('{names}', () => names).replace('{event}', () => event));
}

/** Whom to follow up after which event, each person named once. */
export function followUpTitle(title: string | null | undefined, names: string[]): string {
  const ev = eventName(title);
  const low = ev.toLowerCase();
  const who = joinAnd(names.map((n) => n.trim()).filter((n) => n && !low.includes(n.toLowerCase())));
  if (!ev) return who ? say('follow_up_people', who, '') : '';
  return say(who ? 'follow_up' : 'follow_up_event', who, ev);
}

/** "How was coffee with Dana?" */
export function captureTitle(title: string | null | undefined, names: string[]): string {
  const ev = eventName(title);
  if (ev) return say('capture', '', ev);
  const who = joinAnd(names.filter(Boolean));
  return who ? say('capture_people', who, '') : '';
}
