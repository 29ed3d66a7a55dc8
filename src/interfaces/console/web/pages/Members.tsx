// Members: server-side search and filters, cursor paging, all in the URL; and several seat
// changes applied together as one atomic batch (the seed's swap), after a dry run.
import { useState, type FormEvent } from 'react';
import { ApiError, get, isOwner, post, type Quote, type Session } from '../api';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Field, Loading, Page, QuoteText, toApiError, useLoad } from '../ui';
import type { SeatOverview } from './Overview';

export interface Member {
  id: string; userName: string; displayName: string | null; externalId: string | null; active: boolean; role: string; source: string;
  seatState: string; seatType: string | null; pendingSince: string | null; unassignedByAdmin: boolean;
  seatReason: { kind: string | null; mappingIds: string[]; wanted: string | string[] | null; trigger: string | null; at: string | null };
  idpGroupIds: string[]; createdAt: string; updatedAt: string;
}
interface MemberPage { members: Member[]; total: number; totalExact: boolean; nextCursor: string | null }

const FILTERS = ['q', 'seatState', 'seatType', 'role', 'source'] as const;

export function seatText(m: Pick<Member, 'seatState' | 'seatType'>): string {
  if (m.seatState === 'assigned') return m.seatType ?? 'assigned';
  return m.seatState;
}

export function reasonText(m: Member): string {
  const r = m.seatReason;
  switch (m.seatState) {
    case 'pending': return `waiting for a ${Array.isArray(r.wanted) ? r.wanted.join(' or ') : r.wanted ?? ''} seat${m.pendingSince ? ` since ${m.pendingSince.slice(0, 10)}` : ''}`;
    case 'unassigned': return 'seat taken away by an admin: only an admin gives it back';
    case 'inactive': return 'deactivated by the identity provider';
  }
  switch (r.kind) {
    case 'mapping': return `group mapping${r.mappingIds.length > 1 ? 's' : ''} name${r.mappingIds.length > 1 ? '' : 's'} ${m.seatType}`;
    case 'fallback': return `fallback: the mapped ${r.wanted ?? ''} type was full`;
    case 'highest_available': return 'highest seat type with a free seat';
    case 'admin': return 'chosen by an admin';
    default: return r.kind ?? '';
  }
}

// What the member page did just before it came back here (a removal), said once on arrival.
let arrivalNotice: string | undefined;
export function noticeOnMembers(text: string): void { arrivalNotice = text; }
function takeArrivalNotice(): string | undefined { const text = arrivalNotice; arrivalNotice = undefined; return text; }

// The API counts up to 1,000 matches (a count never reads a whole large organization).
const matchText = (p: MemberPage) => (p.totalExact
  ? `${p.total.toLocaleString('en-US')} member${p.total === 1 ? '' : 's'} match`
  : `More than ${p.total.toLocaleString('en-US')} members match`);

export function Members({ session }: { session: Session }) {
  const { query } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const cursor = query.get('cursor') ?? '';
  const key = query.toString();
  const seats = useLoad(() => get<SeatOverview>('/seats'), []);
  const page = useLoad(() => {
    const params = new URLSearchParams();
    for (const f of FILTERS) if (filters[f]) params.set(f, filters[f]);
    if (cursor) params.set('cursor', cursor);
    params.set('limit', '50');
    return get<MemberPage>(`/members?${params}`);
  }, [key]);
  const [draft, setDraft] = useState(filters);
  const [selected, setSelected] = useState<Record<string, Member>>({});
  // Said here, not in the batch panel: applying clears the selection, which closes the panel.
  const [batchDone, setBatchDone] = useState<string | undefined>(takeArrivalNotice);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const f of FILTERS) if (draft[f]) params.set(f, draft[f]);
    navigate(`/members${params.size ? `?${params}` : ''}`);
  };
  const nextPage = () => {
    const params = new URLSearchParams(query);
    params.set('cursor', page.data!.nextCursor!);
    navigate(`/members?${params}`);
  };
  const toggle = (m: Member) => { setBatchDone(undefined); setSelected((s) => {
    const next = { ...s };
    if (next[m.id]) delete next[m.id]; else next[m.id] = m;
    return next;
  }); };
  const seatTypes = seats.data?.seatTypes.map((t) => t.seatType) ?? [];

  return (
    <Page title="Members">
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter members">
        <Field label="Search">{(id) => <input id={id} type="search" placeholder="name, email or external id" value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} />}</Field>
        <Field label="Seat state">{(id) => (
          <select id={id} value={draft.seatState} onChange={(e) => setDraft({ ...draft, seatState: e.target.value })}>
            <option value="">any</option>{['assigned', 'pending', 'unassigned', 'inactive'].map((s) => <option key={s}>{s}</option>)}
          </select>)}</Field>
        <Field label="Seat type">{(id) => (
          <select id={id} value={draft.seatType} onChange={(e) => setDraft({ ...draft, seatType: e.target.value })}>
            <option value="">any</option>{seatTypes.map((s) => <option key={s}>{s}</option>)}
          </select>)}</Field>
        <Field label="Role">{(id) => (
          <select id={id} value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value })}>
            <option value="">any</option>{['primary_owner', 'owner', 'admin', 'member'].map((s) => <option key={s}>{s}</option>)}
          </select>)}</Field>
        <Field label="Source">{(id) => (
          <select id={id} value={draft.source} onChange={(e) => setDraft({ ...draft, source: e.target.value })}>
            <option value="">any</option>{['scim', 'jit', 'admin'].map((s) => <option key={s}>{s}</option>)}
          </select>)}</Field>
        <div className="filter-actions">
          <button type="submit">Apply</button>
          <button type="button" className="secondary" onClick={() => { setDraft({ q: '', seatState: '', seatType: '', role: '', source: '' }); navigate('/members'); }}>Clear</button>
        </div>
      </form>
      <ErrorBox error={page.error} title="Members could not be loaded" />
      {page.loading && <Loading what="members" />}
      {page.data && (
        <>
          <p role="status">{matchText(page.data)}{cursor ? ' (a later page)' : ''}.</p>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Members table" aria-busy={page.loading}>
            <table>
              <thead><tr><th scope="col"><span className="sr-only">Select</span></th><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Seat</th><th scope="col">Why</th><th scope="col">Source</th></tr></thead>
              <tbody>
                {page.data.members.map((m) => (
                  <tr key={m.id}>
                    <td><input type="checkbox" checked={Boolean(selected[m.id])} onChange={() => toggle(m)} aria-label={`Select ${m.userName} for a batch seat change`} /></td>
                    <td><Link to={`/members/${m.id}`}>{m.userName}</Link>{m.displayName && <div className="muted">{m.displayName}</div>}</td>
                    <td>{m.role}</td>
                    <td><span className={`badge ${m.seatState}`}>{seatText(m)}</span></td>
                    <td className="muted">{reasonText(m)}</td>
                    <td>{m.source}</td>
                  </tr>
                ))}
                {page.data.members.length === 0 && <tr><td colSpan={6}>No member matches.</td></tr>}
              </tbody>
            </table>
          </div>
          <div className="pager">
            {cursor && <button type="button" className="secondary" onClick={() => window.history.back()}>Previous page</button>}
            {page.data.nextCursor && <button type="button" className="secondary" onClick={nextPage}>Next page</button>}
          </div>
        </>
      )}
      {batchDone && <p role="status" className="ok">{batchDone}</p>}
      {Object.keys(selected).length > 0 && (
        <BatchChange members={Object.values(selected)} seatTypes={seatTypes} session={session}
          onDone={(message) => { setBatchDone(message); setSelected({}); page.reload(); seats.reload(); }} />
      )}
    </Page>
  );
}

interface DryRun { ok: boolean; changes: { memberId: string; from: string | null; to: string }[]; quote: Quote | null }

/** Seat changes of several members at once, all or nothing (POST /seat-changes), after a dry run. */
function BatchChange({ members, seatTypes, session, onDone }: { members: Member[]; seatTypes: string[]; session: Session; onDone: (message: string) => void }) {
  const [targets, setTargets] = useState<Record<string, string>>({});
  const [dry, setDry] = useState<DryRun>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const changes = members.map((m) => ({ memberId: m.id, seatType: targets[m.id] ?? '' })).filter((c) => c.seatType);
  const byId = Object.fromEntries(members.map((m) => [m.id, m]));
  const run = async (dryRun: boolean) => {
    setBusy(true); setError(undefined);
    try {
      if (dryRun) setDry(await post<DryRun>('/seat-changes/dry-run', { changes }));
      else {
        await post('/seat-changes', { changes });
        setDry(undefined); setTargets({});
        onDone(`${changes.length} seat change(s) applied together.`);
      }
    } catch (e) {
      setError(toApiError(e));
    } finally { setBusy(false); }
  };
  return (
    <section className="panel" aria-labelledby="batch-title">
      <h2 id="batch-title">Change seats together</h2>
      <p className="muted">All changes apply in one step, or none does: a swap (A premium → standard, B standard → premium) needs no free seat.</p>
      {members.map((m) => (
        <Field key={m.id} label={`${m.userName} (now ${seatText(m)})`}>{(id) => (
          <select id={id} value={targets[m.id] ?? ''} onChange={(e) => { setTargets({ ...targets, [m.id]: e.target.value }); setDry(undefined); }}>
            <option value="">no change</option>{seatTypes.map((t) => <option key={t}>{t}</option>)}<option value="unassigned">unassigned (take the seat away)</option>
          </select>)}</Field>
      ))}
      <div className="row">
        <button type="button" className="secondary" disabled={busy || changes.length === 0} onClick={() => run(true)}>Preview</button>
        <button type="button" disabled={busy || !dry?.ok} onClick={() => run(false)}>Apply {changes.length} change(s)</button>
      </div>
      {dry && (
        <div role="status" className={dry.ok ? 'ok' : 'warn'}>
          <p>{dry.ok ? 'These changes fit in the seats you have:' : 'Not enough seats for these changes:'}</p>
          <ul>{dry.changes.map((c) => <li key={c.memberId}>{byId[c.memberId]?.userName ?? c.memberId}: {c.from ?? 'none'} → {c.to}</li>)}</ul>
          {dry.quote && <p><QuoteText quote={dry.quote} /> {isOwner(session) ? <Link to={`/billing?seatType=${dry.quote.seatType}&quantity=${dry.quote.quantity}`}>Buy seats</Link> : 'Ask an owner to buy seats.'}</p>}
        </div>
      )}
      <ErrorBox error={error} title="The seat changes were refused" />
      {error?.quote && <p><QuoteText quote={error.quote} /></p>}
    </section>
  );
}
