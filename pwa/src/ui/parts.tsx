import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { initials } from '../domain/playbook';
import type { Contact } from '../db/types';
import { Empty, Section } from './components';
import { Icon } from './icons';
import { back } from './router';

// The components of the screens below the tabs. They live apart from components.tsx (the frame's
// and Today's, loaded up front): these come with the screens that use them.

/** A screen title, with a back button on screens below the tabs. */
export function Title({ children, backTo, action }: { children: ComponentChildren; backTo?: string; action?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // the heading takes the focus for screen readers, unless a field of this screen already has it
    // (the search box opens focused, and what is typed into it at once must land there)
    const a = document.activeElement;
    if (a instanceof HTMLElement && a.matches('input, textarea, select') && a.closest('main')?.contains(ref.current)) return;
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <div class="spread title">
      <div class="row">
        {backTo && (
          <button type="button" class="btn quiet back" onClick={() => back(backTo)} aria-label="Back">
            <Icon name="back" />
          </button>
        )}
        <h1 tabIndex={-1} ref={ref}>
          {children}
        </h1>
      </div>
      {action}
    </div>
  );
}

/** A list screen's title, with the button that adds to the list. */
export function ListTitle({ children, href, add }: { children: ComponentChildren; href: string; add: string }) {
  return (
    <Title
      action={
        <a class="btn primary" href={href}>
          {add}
        </a>
      }
    >
      {children}
    </Title>
  );
}

/** A titled list with its count; nothing while the list is empty. */
export function ListSection<T>({ title, items, children }: { title: string; items: T[]; children: (x: T) => ComponentChildren }) {
  if (!items.length) return null;
  return (
    <Section title={title} count={items.length}>
      <ul class="list">{items.map(children)}</ul>
    </Section>
  );
}

/** A contact in a list: initials, name, a line under it (sub), and what follows (a tag). */
export function PersonCard({ c, sub, hit, children }: { c: Contact; sub: ComponentChildren; hit?: boolean; children?: ComponentChildren }) {
  return (
    <a class={`card person${hit ? ' hit' : ''}`} href={`#/contacts/${c.id}`}>
      <Avatar name={c.name} small />
      <span class="who">
        <span class="name">{c.name}</span>
        <span class="sub">{sub}</span>
      </span>
      {children}
    </a>
  );
}

export function Avatar({ name, small }: { name?: string | null; small?: boolean }) {
  return (
    <span class={`avatar${small ? ' sm' : ''}`} aria-hidden="true">
      {initials(name ?? undefined)}
    </span>
  );
}

/** A row of toggle chips; `multi` lets several be on at once. */
export function Chips<T extends string>(props: {
  label: string;
  options: readonly T[];
  labels: Record<T, string>;
  value: T[] | T | null | undefined;
  onChange: (v: T) => void;
  hideLegend?: boolean;
}) {
  const on = (o: T) => (Array.isArray(props.value) ? props.value.includes(o) : props.value === o);
  return (
    <fieldset>
      <legend class={props.hideLegend ? 'sr-only' : ''}>{props.label}</legend>
      <div class="chips">
        {props.options.map((o) => (
          <button key={o} type="button" class="chip" aria-pressed={on(o) ? 'true' : 'false'} onClick={() => props.onChange(o)}>
            {props.labels[o]}
          </button>
        ))}
      </div>
    </fieldset>
  );
}

export function Segmented<T extends string>(props: { label: string; options: readonly T[]; labels: Record<T, string>; value: T; onChange: (v: T) => void }) {
  return (
    <div class="segmented" role="group" aria-label={props.label}>
      {props.options.map((o) => (
        <button key={o} type="button" aria-pressed={props.value === o ? 'true' : 'false'} onClick={() => props.onChange(o)}>
          {props.labels[o]}
        </button>
      ))}
    </div>
  );
}

/** A record that is not on this device (deleted on another one, or an old link). */
export function NotFound({ title, what, backTo }: { title: string; what: string; backTo: string }) {
  return (
    <div class="stack">
      <Title backTo={backTo}>{title}</Title>
      <Empty title={`This ${what} is not here`}>
        <p>It may have been deleted on another device.</p>
      </Empty>
    </div>
  );
}

/** A form's title, with the way back and a Save button beside it. */
export function FormHeader({ backTo, disabled, children }: { backTo: string; disabled?: boolean; children: ComponentChildren }) {
  return (
    <Title
      backTo={backTo}
      action={
        <button type="submit" class="btn primary" disabled={disabled}>
          Save
        </button>
      }
    >
      {children}
    </Title>
  );
}

/**
 * A form's action and what it says (show msg with FormError): `run(fn, failed)` is busy while fn
 * runs, clears the message as it starts, and says failed(e) if fn throws; fn sets the message
 * itself when the server refuses.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState('');
  const run = async (fn: () => Promise<void>, failed: (e: unknown) => string) => {
    setBusy(true);
    setMsg('');
    try {
      await fn();
    } catch (e) {
      setMsg(failed(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, setBusy, msg, setMsg, run };
}

/** What went wrong, said where the form is; nothing while all is well. */
export function FormError({ text }: { text: string }) {
  if (!text) return null;
  return (
    <p role="alert" class="banner">
      {text}
    </p>
  );
}
