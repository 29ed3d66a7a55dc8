// The audit log: every seat decision and admin change, filtered by action, member, who did it
// (actor type, member, credential) and when (UTC), paged; every filter lives in the URL.
import { useState, type FormEvent } from 'react';
import { dateText, get } from '../api';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Field, Loading, Page, useLoad } from '../ui';

export interface AuditEvent { id: string; at: string; actor: { type: string; memberId?: string; credentialId?: string }; action: string; subjectType: string | null; subjectId: string | null; before: unknown; after: unknown; reason: unknown }

const ACTIONS = ['', 'seat.', 'seat.refused', 'seats.purchased', 'mapping.', 'settings.', 'credential.', 'console.', 'member.', 'subscription.', 'webhook.'];
const ACTOR_TYPES: [string, string][] = [['', 'Anyone'], ['admin', 'An admin (token or console)'], ['scim', 'The identity provider (SCIM)'],
  ['jit', 'Sign-in (JIT)'], ['operator', 'An operator (CLI)'], ['system', 'seatgate itself']];
const FILTERS = ['action', 'memberId', 'actorType', 'actorMemberId', 'actorCredentialId', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** The URL holds instants as ISO 8601 UTC; the inputs show them as UTC wall-clock time. */
const toInput = (iso: string) => {
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  return iso && !Number.isNaN(at.getTime()) ? at.toISOString().slice(0, 16) : iso;
};
const fromInput = (local: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local) ? `${local}:00Z` : local);

export function Audit() {
  const { query } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Filters;
  const cursor = query.get('cursor') ?? '';
  const key = query.toString();
  const [draft, setDraft] = useState<Filters>({ ...filters, from: toInput(filters.from), to: toInput(filters.to) });
  const page = useLoad(() => {
    const params = new URLSearchParams({ limit: '50' });
    for (const f of FILTERS) if (filters[f]) params.set(f, filters[f]);
    if (cursor) params.set('cursor', cursor);
    return get<{ events: AuditEvent[]; nextCursor: string | null }>(`/audit?${params}`);
  }, [key]);
  const go = (next: Partial<Filters>) => {
    const params = new URLSearchParams();
    for (const f of FILTERS) if (next[f]) params.set(f, next[f]!);
    navigate(`/audit${params.size ? `?${params}` : ''}`);
  };
  const apply = (event: FormEvent) => {
    event.preventDefault();
    go({ ...Object.fromEntries(FILTERS.map((f) => [f, draft[f].trim()])), from: fromInput(draft.from.trim()), to: fromInput(draft.to.trim()) });
  };
  const clear = () => {
    setDraft(Object.fromEntries(FILTERS.map((f) => [f, ''])) as Filters);
    go({});
  };
  const only = (name: 'actorMemberId' | 'actorCredentialId', id: string) => {
    setDraft({ ...draft, [name]: id });
    go({ ...filters, [name]: id });
  };
  const field = (name: keyof Filters) => ({ value: draft[name], onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value }) });
  return (
    <Page title="Audit log">
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter the audit log">
        <Field label="Action (prefix)">{(id) => <input id={id} list="audit-actions" {...field('action')} />}</Field>
        <datalist id="audit-actions">{ACTIONS.filter(Boolean).map((a) => <option key={a} value={a} />)}</datalist>
        <Field label="About member (id)">{(id) => <input id={id} {...field('memberId')} />}</Field>
        <Field label="Done by">{(id) => <select id={id} {...field('actorType')}>{ACTOR_TYPES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>}</Field>
        <Field label="Done by member (id)">{(id) => <input id={id} {...field('actorMemberId')} />}</Field>
        <Field label="With credential (id)">{(id) => <input id={id} {...field('actorCredentialId')} />}</Field>
        <Field label="From (UTC)">{(id) => <input id={id} type="datetime-local" step={60} {...field('from')} />}</Field>
        <Field label="To (UTC, excluded)">{(id) => <input id={id} type="datetime-local" step={60} {...field('to')} />}</Field>
        <div className="filter-actions"><button type="submit">Apply</button><button type="button" className="secondary" onClick={clear}>Clear</button></div>
      </form>
      <ErrorBox error={page.error} title="The audit log could not be loaded" />
      {page.loading && <Loading what="events" />}
      {page.data && (
        <>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit events">
            <table>
              <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Change</th></tr></thead>
              <tbody>
                {page.data.events.map((e) => (
                  <tr key={e.id}>
                    <td><time dateTime={e.at}>{dateText(e.at)}</time></td>
                    <td>{e.actor.type}{e.actor.memberId ? <> <Link to={`/members/${e.actor.memberId}`}>member</Link>
                      {filters.actorMemberId !== e.actor.memberId && <> · <button type="button" className="link" onClick={() => only('actorMemberId', e.actor.memberId!)}
                        aria-label={`Only actions by member ${e.actor.memberId}`}>only theirs</button></>}</>
                      : e.actor.credentialId && filters.actorCredentialId !== e.actor.credentialId ? <> · <button type="button" className="link"
                        onClick={() => only('actorCredentialId', e.actor.credentialId!)} aria-label={`Only actions with credential ${e.actor.credentialId}`}>only this token</button></> : ''}</td>
                    <td><code>{e.action}</code></td>
                    <td>{e.subjectType === 'member' && e.subjectId ? <Link to={`/members/${e.subjectId}`}>member</Link> : `${e.subjectType ?? ''} ${e.subjectId ?? ''}`}</td>
                    <td className="change">{[e.before && `before ${JSON.stringify(e.before)}`, e.after && `after ${JSON.stringify(e.after)}`, e.reason && `why ${JSON.stringify(e.reason)}`].filter(Boolean).join(' · ')}</td>
                  </tr>
                ))}
                {page.data.events.length === 0 && <tr><td colSpan={5}>No event matches.</td></tr>}
              </tbody>
            </table>
          </div>
          <div className="pager">
            {cursor && <button type="button" className="secondary" onClick={() => window.history.back()}>Newer</button>}
            {page.data.nextCursor && <button type="button" className="secondary" onClick={() => { const p = new URLSearchParams(query); p.set('cursor', page.data!.nextCursor!); navigate(`/audit?${p}`); }}>Older</button>}
          </div>
        </>
      )}
    </Page>
  );
}
