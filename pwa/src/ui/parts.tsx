import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { initials } from '../domain/playbook';
import { Empty } from './components';
import { Icon } from './icons';
import { back } from './router';

// The components of the screens below the tabs. They live apart from components.tsx (the frame's
// and Today's, loaded up front): these come with the screens that use them.

/** A screen title, with a back button on screens below the tabs. */
export function Title({ children, backTo, action }: { children: ComponentChildren; backTo?: string; action?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus({ preventScroll: true }), []);
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

/** What went wrong, said where the form is; nothing while all is well. */
export function FormError({ text }: { text: string }) {
  if (!text) return null;
  return (
    <p role="alert" class="banner">
      {text}
    </p>
  );
}
