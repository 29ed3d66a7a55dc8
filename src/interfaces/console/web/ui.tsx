// Shared pieces: data loading with loading and error states, error messages, the seat bar.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError, money, type Quote } from './api';

export interface Loaded<T> { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void }

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => { if (live) setState({ data, loading: false }); },
      (error: unknown) => { if (live) setState({ error: toApiError(error), loading: false }); },
    );
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export const toApiError = (error: unknown) =>
  error instanceof ApiError ? error : new ApiError(0, 'client', error instanceof Error ? error.message : String(error));

const HINTS: Record<string, string> = {
  forbidden: 'Your role does not allow this.',
  org_inactive: 'The subscription has ended: nothing can change until it is renewed.',
  invalid_input: 'Check the values and try again.',
  csrf_failed: 'Reload the page and try again.',
  not_found: 'It may have been deleted meanwhile.',
  conflict: '',
  no_seat_available: '',
};

/** An API refusal, in words: the server's message, what to do, and the validation issues. */
export function ErrorBox({ error, title }: { error: ApiError | undefined; title?: string }) {
  if (!error) return null;
  const issues = (error.details?.issues as { path: string; message: string }[] | undefined) ?? [];
  const hint = HINTS[error.code] ?? '';
  return (
    <div className="error" role="alert">
      <strong>{title ?? 'The request was refused'}{error.status ? ` (${error.status} ${error.code})` : ''}:</strong> {error.message}
      {hint && <> {hint}</>}
      {issues.length > 0 && <ul>{issues.map((i) => <li key={i.path + i.message}><code>{i.path}</code>: {i.message}</li>)}</ul>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="loading" role="status" aria-live="polite">Loading {what}…</p>;
}

export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => { document.title = `${title} · seatgate console`; }, [title]);
  return (
    <section aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title" ref={ref} tabIndex={-1}>{title}</h1>
        {actions && <div className="page-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

export function SeatBar({ assigned, allocated, threshold, label }: { assigned: number; allocated: number; threshold: number; label: string }) {
  const ratio = allocated === 0 ? (assigned > 0 ? 1 : 0) : Math.min(1, assigned / allocated);
  const over = allocated > 0 && assigned / allocated >= threshold;
  return (
    <div className="seatbar-wrap">
      <div className="seatbar" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={allocated} aria-valuenow={assigned}
        aria-valuetext={`${assigned} of ${allocated} seats assigned (${Math.round(ratio * 100)}%), alert at ${Math.round(threshold * 100)}%`}>
        <div className={over ? 'fill over' : 'fill'} style={{ width: `${ratio * 100}%` }} />
        <div className="threshold" style={{ left: `${threshold * 100}%` }} title={`alert threshold ${Math.round(threshold * 100)}%`} />
      </div>
      <span className="seatbar-text">{Math.round(ratio * 100)}% used · alert at {Math.round(threshold * 100)}%</span>
    </div>
  );
}

export function QuoteText({ quote }: { quote: Quote }) {
  return (
    <span>
      {quote.quantity} more {quote.seatType} seat{quote.quantity === 1 ? '' : 's'} would cost <strong>{money(quote.amountMinor, quote.currency)}</strong> today,
      prorated from {quote.periodStart} to {quote.periodEnd} (exclusive).
    </span>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone(true);
    } catch {
      // Clipboard refused (insecure origin): select the text so Ctrl+C works.
      setDone(false);
      window.prompt('Copy this value:', text);
    }
  };
  return <button type="button" className="secondary" onClick={copy} aria-label={label}>{done ? 'Copied' : 'Copy'}</button>;
}

/** A labelled form field; the label is tied to the control by id. */
export function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string, hintId?: string) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint && <small id={hintId}>{hint}</small>}
    </div>
  );
}

export const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
