// Group mappings: IdP group → seat type. Every create, edit and delete shows its dry run (who
// changes from what to what, whether seats suffice, what the missing seats cost) before saving.
import { useState, type FormEvent } from 'react';
import { ApiError, dateText, del, get, money, patch, post } from '../api';
import type { PurchasePreview } from './Billing';
import { Link } from '../router';
import { ErrorBox, Field, Loading, Page, toApiError, useLoad } from '../ui';
import type { SeatOverview } from './Overview';

interface Group { id: string; externalId: string | null; displayName: string; memberCount: number; mappingKey: string }
interface Mapping { id: string; idpGroupId: string; seatType: string; allowFallback: boolean; role: string | null; createdAt: string; updatedAt: string }
interface Position { seatState: string; seatType: string | null }
interface Reevaluation {
  membersEvaluated: number; changedCount: number; blockedCount: number; seatsSuffice: boolean; truncated: boolean;
  changes: { memberId: string; userName: string; from: Position; to: Position }[];
  blocked: { memberId: string; userName: string; seatState: string; seatType: string | null; wanted: string[]; outcome: string }[];
  seats: { seatType: string; allocated: number; assignedBefore: number; assignedAfter: number; free: number; shortBy: number; sufficient: boolean }[];
}
interface ChangeResult { mapping: Mapping; reevaluation: Reevaluation }
type Change = { op: 'create'; mapping: Omit<Mapping, 'id' | 'createdAt' | 'updatedAt'> }
  | { op: 'update'; id: string; mapping: Partial<Omit<Mapping, 'id' | 'createdAt' | 'updatedAt'>> }
  | { op: 'delete'; id: string };

const pos = (p: Position) => (p.seatState === 'assigned' ? p.seatType ?? 'assigned' : p.seatState);
const OUTCOME: Record<string, string> = {
  upgrade_refused: 'would get a higher seat, but none is free: keeps the current seat',
  downgrade_deferred: 'keeps the current seat (downgrades are not forced)',
  still_pending: 'stays pending: no seat free',
};

export function Mappings() {
  const list = useLoad(() => get<{ mappings: Mapping[] }>('/group-mappings'), []);
  const seats = useLoad(() => get<SeatOverview>('/seats'), []);
  const groups = useLoad(() => get<{ groups: Group[] }>('/groups?limit=200'), []);
  const groupName = (key: string) => groups.data?.groups.find((g) => g.mappingKey === key || g.id === key || g.externalId === key)?.displayName;
  const [editing, setEditing] = useState<Mapping | 'new' | null>(null);
  const [pendingDelete, setPendingDelete] = useState<Mapping | null>(null);
  const [notice, setNotice] = useState<string>();
  const types = seats.data?.seatTypes.map((t) => t.seatType) ?? [];
  const done = (text: string) => { setNotice(text); setEditing(null); setPendingDelete(null); list.reload(); seats.reload(); };

  return (
    <Page title="Group mappings" actions={<button type="button" onClick={() => { setEditing('new'); setPendingDelete(null); setNotice(undefined); }}>New mapping</button>}>
      <p className="muted">A member in a mapped identity-provider group gets that seat type (the highest, when several apply). Groups are named by
        their stable id — the SCIM Group <code>id</code> or <code>externalId</code> (Okta group id, Entra object id) — never by display name.</p>
      {notice && <p role="status" className="ok">{notice}</p>}
      <ErrorBox error={list.error} title="Mappings could not be loaded" />
      {list.loading && !list.data && <Loading what="mappings" />}
      {list.data && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Group mappings table">
          <table>
            <thead><tr><th scope="col">IdP group</th><th scope="col">Seat type</th><th scope="col">Fallback</th><th scope="col">Updated</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.mappings.map((m) => (
                <tr key={m.id}>
                  <td>{groupName(m.idpGroupId) ?? <span className="muted">unknown group</span>}<div><code>{m.idpGroupId}</code></div></td><td>{m.seatType}</td><td>{m.allowFallback ? 'to lower types' : 'no'}</td><td>{dateText(m.updatedAt)}</td>
                  <td className="actions">
                    <button type="button" className="secondary" onClick={() => { setEditing(m); setPendingDelete(null); }} aria-label={`Edit mapping of ${m.idpGroupId}`}>Edit</button>
                    <button type="button" className="danger" onClick={() => { setPendingDelete(m); setEditing(null); }} aria-label={`Delete mapping of ${m.idpGroupId}`}>Delete</button>
                  </td>
                </tr>
              ))}
              {list.data.mappings.length === 0 && <tr><td colSpan={5}>No mapping yet: every member gets the highest seat type with a free seat.</td></tr>}
            </tbody>
          </table>
        </div>
      )}
      {editing && <MappingForm key={editing === 'new' ? 'new' : editing.id} mapping={editing === 'new' ? null : editing} types={types} groups={groups.data?.groups ?? []}
        onCancel={() => setEditing(null)} onSaved={done} />}
      {pendingDelete && <DeleteMapping mapping={pendingDelete} onCancel={() => setPendingDelete(null)} onDeleted={done} />}
    </Page>
  );
}

function MappingForm({ mapping, types, groups, onCancel, onSaved }: { mapping: Mapping | null; types: string[]; groups: Group[]; onCancel: () => void; onSaved: (text: string) => void }) {
  const [form, setForm] = useState({ idpGroupId: mapping?.idpGroupId ?? '', seatType: mapping?.seatType ?? types[0] ?? '', allowFallback: mapping?.allowFallback ?? false });
  const [preview, setPreview] = useState<{ form: string; result: ChangeResult }>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const key = JSON.stringify(form);
  const change: Change = mapping ? { op: 'update', id: mapping.id, mapping: form } : { op: 'create', mapping: { ...form, role: null } };
  const current = preview?.form === key ? preview.result : undefined;

  const dryRun = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true); setError(undefined);
    try { setPreview({ form: key, result: await post<ChangeResult>('/group-mappings/dry-run', change) }); } catch (e) { setError(toApiError(e)); } finally { setBusy(false); }
  };
  const save = async () => {
    setBusy(true); setError(undefined);
    try {
      const result = mapping ? await patch<ChangeResult>(`/group-mappings/${mapping.id}`, form) : await post<ChangeResult>('/group-mappings', change.op === 'create' ? change.mapping : form);
      onSaved(`Saved: ${result.reevaluation.changedCount} member(s) changed seat.`);
    } catch (e) { setError(toApiError(e)); setBusy(false); }
  };
  const typeOptions = types.includes(form.seatType) || !form.seatType ? types : [...types, form.seatType];
  return (
    <section className="panel" aria-labelledby="mapping-form-title">
      <h2 id="mapping-form-title">{mapping ? `Edit the mapping of ${mapping.idpGroupId}` : 'New mapping'}</h2>
      <form onSubmit={dryRun}>
        <Field label="IdP group id" hint="Pick a group your IdP pushed, or type its id: SCIM Group id or externalId (Okta: the group id; Entra: the group's object id)">{(id, hint) => (
          <input id={id} aria-describedby={hint} required list="idp-groups" autoComplete="off" value={form.idpGroupId} onChange={(e) => setForm({ ...form, idpGroupId: e.target.value })} />)}</Field>
        <datalist id="idp-groups">{groups.map((g) => <option key={g.id} value={g.mappingKey} label={`${g.displayName} (${g.memberCount} member${g.memberCount === 1 ? '' : 's'})`} />)}</datalist>
        {form.idpGroupId && groups.length > 0 && (() => {
          const g = groups.find((x) => x.mappingKey === form.idpGroupId || x.id === form.idpGroupId || x.externalId === form.idpGroupId);
          return <p className="muted" aria-live="polite">{g ? `Group "${g.displayName}", ${g.memberCount} member(s).` : 'No pushed group has this id yet: the mapping applies once the IdP pushes it.'}</p>;
        })()}
        <Field label="Seat type">{(id) => (
          <select id={id} value={form.seatType} onChange={(e) => setForm({ ...form, seatType: e.target.value })}>{typeOptions.map((t) => <option key={t}>{t}</option>)}</select>)}</Field>
        <div className="check">
          <input id="allow-fallback" type="checkbox" checked={form.allowFallback} onChange={(e) => setForm({ ...form, allowFallback: e.target.checked })} />
          <label htmlFor="allow-fallback">When this type is full, fall back to a lower type with a free seat</label>
        </div>
        <div className="row">
          <button type="submit" className="secondary" disabled={busy}>Preview changes (dry run)</button>
          <button type="button" disabled={busy || !current} onClick={save} title={current ? undefined : 'Preview first'}>Save mapping</button>
          <button type="button" className="link" onClick={onCancel}>Cancel</button>
        </div>
        {!current && <p className="muted">Saving is possible once the dry run of these exact values is shown.</p>}
      </form>
      <ErrorBox error={error} title="The mapping was refused" />
      {current && <DryRunResult result={current.reevaluation} />}
    </section>
  );
}

function DeleteMapping({ mapping, onCancel, onDeleted }: { mapping: Mapping; onCancel: () => void; onDeleted: (text: string) => void }) {
  const dry = useLoad(() => post<ChangeResult>('/group-mappings/dry-run', { op: 'delete', id: mapping.id }), [mapping.id]);
  const [error, setError] = useState<ApiError>();
  const remove = async () => {
    try { await del(`/group-mappings/${mapping.id}`); onDeleted(`Deleted the mapping of ${mapping.idpGroupId}.`); } catch (e) { setError(toApiError(e)); }
  };
  return (
    <section className="panel" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete the mapping of {mapping.idpGroupId}?</h2>
      {dry.loading && <Loading what="the dry run" />}
      <ErrorBox error={dry.error ?? error} />
      {dry.data && <DryRunResult result={dry.data.reevaluation} />}
      <div className="row">
        <button type="button" className="danger" disabled={!dry.data} onClick={remove}>Delete mapping</button>
        <button type="button" className="link" onClick={onCancel}>Cancel</button>
      </div>
    </section>
  );
}

function DryRunResult({ result }: { result: Reevaluation }) {
  const short = result.seats.filter((s) => s.shortBy > 0);
  const quotes = useLoad(async () => Promise.all(short.map((s) =>
    post<PurchasePreview>('/seats/purchases?preview=true', { seatType: s.seatType, quantity: s.shortBy })
      .then((q) => ({ seatType: s.seatType, quantity: s.shortBy, text: money(q.totalMinor, q.currency) }), () => ({ seatType: s.seatType, quantity: s.shortBy, text: null })))),
  [JSON.stringify(short)]);
  return (
    <div className="dryrun" role="status" aria-live="polite">
      <h3>Dry run: {result.changedCount} of {result.membersEvaluated} member(s) would change seat</h3>
      <p className={result.seatsSuffice ? 'ok' : 'warn'}>{result.seatsSuffice ? 'Seats suffice.' : 'Seats do not suffice for everyone.'}</p>
      {result.changes.length > 0 && (
        <ul>{result.changes.map((c) => <li key={c.memberId}><Link to={`/members/${c.memberId}`}>{c.userName}</Link>: {pos(c.from)} → {pos(c.to)}</li>)}</ul>
      )}
      {result.blocked.length > 0 && (
        <ul>{result.blocked.map((b) => <li key={b.memberId}>{b.userName}: {OUTCOME[b.outcome] ?? b.outcome} (wants {b.wanted.join(' or ')})</li>)}</ul>
      )}
      {result.truncated && <p className="muted">Only the first changes are listed.</p>}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Seats after the change">
        <table>
          <thead><tr><th scope="col">Seat type</th><th scope="col">Allocated</th><th scope="col">Assigned now</th><th scope="col">After</th><th scope="col">Missing</th></tr></thead>
          <tbody>{result.seats.map((s) => <tr key={s.seatType}><td>{s.seatType}</td><td>{s.allocated}</td><td>{s.assignedBefore}</td><td>{s.assignedAfter}</td><td>{s.shortBy}</td></tr>)}</tbody>
        </table>
      </div>
      {short.length > 0 && quotes.data && (
        <ul>{quotes.data.map((q) => <li key={q.seatType}>The {q.quantity} missing {q.seatType} seat(s) {q.text ? <>would cost <strong>{q.text}</strong> today (prorated). <Link to={`/billing?seatType=${q.seatType}&quantity=${q.quantity}`}>Buy them</Link></> : 'need an owner to buy them.'}</li>)}</ul>
      )}
    </div>
  );
}
