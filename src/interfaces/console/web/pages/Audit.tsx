// The audit log: every seat decision and admin change, filtered by action and member, paged.
import { useState, type FormEvent } from 'react';
import { dateText, get } from '../api';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Field, Loading, Page, useLoad } from '../ui';

export interface AuditEvent { id: string; at: string; actor: { type: string; memberId?: string }; action: string; subjectType: string | null; subjectId: string | null; before: unknown; after: unknown; reason: unknown }

const ACTIONS = ['', 'seat.', 'seat.refused', 'seats.purchased', 'mapping.', 'settings.', 'credential.', 'console.', 'member.'];

export function Audit() {
  const { query } = useLocation();
  const action = query.get('action') ?? '';
  const memberId = query.get('memberId') ?? '';
  const cursor = query.get('cursor') ?? '';
  const [draft, setDraft] = useState({ action, memberId });
  const page = useLoad(() => {
    const params = new URLSearchParams({ limit: '50' });
    if (action) params.set('action', action);
    if (memberId) params.set('memberId', memberId);
    if (cursor) params.set('cursor', cursor);
    return get<{ events: AuditEvent[]; nextCursor: string | null }>(`/audit?${params}`);
  }, [action, memberId, cursor]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (draft.action) params.set('action', draft.action);
    if (draft.memberId.trim()) params.set('memberId', draft.memberId.trim());
    navigate(`/audit${params.size ? `?${params}` : ''}`);
  };
  return (
    <Page title="Audit log">
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter the audit log">
        <Field label="Action (prefix)">{(id) => <input id={id} list="audit-actions" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} />}</Field>
        <datalist id="audit-actions">{ACTIONS.filter(Boolean).map((a) => <option key={a} value={a} />)}</datalist>
        <Field label="Member id">{(id) => <input id={id} value={draft.memberId} onChange={(e) => setDraft({ ...draft, memberId: e.target.value })} />}</Field>
        <div className="filter-actions"><button type="submit">Apply</button></div>
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
                    <td>{e.actor.type}{e.actor.memberId ? <> <Link to={`/members/${e.actor.memberId}`}>member</Link></> : ''}</td>
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
