import type { components } from '../api/schema';

type S = components['schemas'];

/** Records as the server sends them; the index signature keeps fields this build does not know. */
type Rec<T> = { -readonly [K in keyof T]: T[K] } & { [extra: string]: unknown };

export type Contact = Rec<S['Contact']>;
export type Event = Rec<S['Event']>;
export type Note = Rec<S['Note']>;
export type Ask = Rec<S['Ask']>;
export type Referral = Rec<S['Referral']>;
export type Reminder = Rec<S['Reminder']>;
export type Connection = Rec<S['Connection']>;
export type Suggestion = Rec<S['Suggestion']>;
export type Conflict = S['Conflict'];
export type Signal = S['Signal'];
export type SignalKind = S['SignalKind'];
export type AskTrigger = S['AskTrigger'];
export type User = S['User'];
export type Entity = S['Entity'];
export type Stage = NonNullable<Contact['stage']>;
export type ContactKind = NonNullable<Contact['kind']>;
export type EventKind = NonNullable<Event['kind']>;
export type AskStatus = NonNullable<Ask['status']>;
export type Medium = NonNullable<NonNullable<Referral['thanks']>['medium']>;

export interface RecordByEntity {
  contact: Contact;
  event: Event;
  note: Note;
  ask: Ask;
  referral: Referral;
  reminder: Reminder;
  connection: Connection;
  suggestion: Suggestion;
}


/** One pending local change, in the order it was made. */
export interface OutboxEntry {
  seq?: number;
  /**
   * This client's mutation id (1, 2, 3…), given when the entry is first pushed (in outbox
   * order), so a save never waits for a counter read. Fixed from then on: a resend reuses it.
   */
  id?: number;
  entity: Entity;
  record_id: string;
  op: 'put' | 'delete';
  fields?: Record<string, unknown>;
  base_version: number;
  at: string;
}

/** A mutation the server refused as invalid; kept so nothing typed is ever thrown away. */
export interface RejectedEntry extends OutboxEntry {
  error: string;
}

export interface MetaRow {
  key: string;
  value: unknown;
}
