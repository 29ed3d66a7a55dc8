// A member: its seat and why, groups, history; seat, role, ownership and removal actions.
import { useState } from 'react';
import { ApiError, dateText, del, get, isOwner, post, put, type Session } from '../api';
import { Link, navigate } from '../router';
import { ErrorBox, Field, Loading, newKey, Page, QuoteText, toApiError, useLoad } from '../ui';
import { noticeOnMembers, reasonText, seatText, type Member } from './Members';
import type { SeatOverview } from './Overview';
import type { AuditEvent } from './Audit';

type Detail = Member & { groups: { id: string; displayName: string; externalId: string | null }[] };

export function MemberPage({ id, session, onSessionChanged }: { id: string; session: Session; onSessionChanged: () => void }) {
  const member = useLoad(() => get<Detail>(`/members/${encodeURIComponent(id)}`), [id]);
  const seats = useLoad(() => get<SeatOverview>('/seats'), []);
  const history = useLoad(() => get<{ events: AuditEvent[] }>(`/audit?memberId=${encodeURIComponent(id)}&limit=20`), [id]);
  const [target, setTarget] = useState('');
  const [role, setRole] = useState('');
  const [error, setError] = useState<ApiError>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const owner = isOwner(session);

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true); setError(undefined); setNotice(undefined);
    try {
      await fn();
      setNotice(what);
      member.reload(); seats.reload(); history.reload();
    } catch (e) { setError(toApiError(e)); } finally { setBusy(false); }
  };
  const setSeat = (seatType: string) => act(seatType === 'unassigned' ? 'The seat was taken away.' : `Now on a ${seatType} seat.`,
    () => put(`/members/${id}/seat`, { seatType }));
  const buyThenAssign = (seatType: string, quantity: number) => act(`Bought ${quantity} ${seatType} seat(s) and assigned one.`, async () => {
    await post('/seats/purchases', { seatType, quantity }, { 'Idempotency-Key': newKey() });
    await put(`/members/${id}/seat`, { seatType });
  });

  if (member.error) return <Page title="Member"><ErrorBox error={member.error} title="The member could not be loaded" /></Page>;
  if (!member.data) return <Page title="Member"><Loading what="the member" /></Page>;
  const m = member.data;
  const types = seats.data?.seatTypes.map((t) => t.seatType) ?? [];
  const quote = error?.code === 'no_seat_available' ? error.quote : undefined;

  return (
    <Page title={m.userName} actions={<Link to="/members">All members</Link>}>
      <dl className="kv">
        <div><dt>Display name</dt><dd>{m.displayName ?? '—'}</dd></div>
        <div><dt>Seat</dt><dd><span className={`badge ${m.seatState}`}>{seatText(m)}</span></dd></div>
        <div><dt>Why</dt><dd>{reasonText(m)}{m.seatReason.at ? ` (${dateText(m.seatReason.at)})` : ''}</dd></div>
        <div><dt>Mapping matches</dt><dd>{m.seatReason.mappingIds.length ? m.seatReason.mappingIds.join(', ') : 'none'}</dd></div>
        <div><dt>Role</dt><dd>{m.role}</dd></div>
        <div><dt>Source</dt><dd>{m.source}{m.externalId ? ` · external id ${m.externalId}` : ''}</dd></div>
        <div><dt>Active</dt><dd>{m.active ? 'yes' : 'no (deactivated by the IdP)'}</dd></div>
        <div><dt>Groups</dt><dd>{m.groups.length ? m.groups.map((g) => `${g.displayName}${g.externalId ? ` (${g.externalId})` : ''}`).join(', ') : 'none'}
          {m.idpGroupIds.length > 0 && <div className="muted">JIT group ids: {m.idpGroupIds.join(', ')}</div>}</dd></div>
      </dl>

      <h2>Seat</h2>
      <div className="row wrap">
        <Field label="Change the seat type to">{(fid) => (
          <select id={fid} value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">choose…</option>{types.filter((t) => t !== m.seatType || m.seatState !== 'assigned').map((t) => <option key={t}>{t}</option>)}
          </select>)}</Field>
        <button type="button" disabled={busy || !target} onClick={() => setSeat(target)}>{m.seatState === 'assigned' ? 'Change seat' : 'Give this seat'}</button>
        {m.seatState === 'assigned' && <button type="button" className="secondary" disabled={busy} onClick={() => setSeat('unassigned')}>Unassign</button>}
      </div>
      {m.seatState === 'unassigned' && <p className="muted">Restore: choose a seat type and give the seat.</p>}
      {quote && (
        <div className="warn" role="alert">
          <p>No {quote.seatType} seat is free. <QuoteText quote={quote} /></p>
          {owner
            ? <button type="button" disabled={busy} onClick={() => buyThenAssign(quote.seatType, quote.quantity)}>Buy {quote.quantity} {quote.seatType} seat and assign it</button>
            : <p>Ask an owner to buy seats.</p>}
        </div>
      )}
      <ErrorBox error={quote ? undefined : error} />
      {notice && <p role="status" className="ok">{notice}</p>}

      <h2>Role and membership</h2>
      <div className="row wrap">
        <Field label="Role">{(fid) => (
          <select id={fid} value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">choose…</option>{['owner', 'admin', 'member'].filter((r) => r !== m.role).map((r) => <option key={r}>{r}</option>)}
          </select>)}</Field>
        <button type="button" disabled={busy || !role} onClick={() => act(`Role changed to ${role}.`, async () => {
          await put(`/members/${id}/role`, { role });
          setRole('');
          if (id === session.memberId) onSessionChanged();
        })}>Change role</button>
        {session.role === 'primary_owner' && m.role !== 'primary_owner' && (
          <button type="button" className="secondary" disabled={busy} onClick={() => {
            if (window.confirm(`Make ${m.userName} the primary owner? You become an owner.`)) {
              void act(`Ownership transferred: ${m.userName} is the primary owner, you are an owner.`, async () => {
                await post('/organization/transfer-ownership', { memberId: id });
                onSessionChanged();
              });
            }
          }}>Transfer primary ownership</button>
        )}
        <button type="button" className="danger" disabled={busy} onClick={() => {
          if (window.confirm(`Remove ${m.userName} from the organization? The seat is released; the bill does not change.`)) {
            setBusy(true);
            del(`/members/${id}`).then(() => { noticeOnMembers(`${m.userName} was removed.`); navigate('/members'); }, (e: unknown) => { setError(toApiError(e)); setBusy(false); });
          }
        }}>Remove member</button>
      </div>

      <h2>History</h2>
      <ErrorBox error={history.error} />
      {history.data && (history.data.events.length === 0 ? <p>No events.</p> : (
        <ul className="history">{history.data.events.map((e) => <li key={e.id}><time dateTime={e.at}>{dateText(e.at)}</time> <code>{e.action}</code> {summary(e)}</li>)}</ul>
      ))}
    </Page>
  );
}

const summary = (e: AuditEvent) => {
  const parts = [e.before ? `from ${JSON.stringify(e.before)}` : '', e.after ? `to ${JSON.stringify(e.after)}` : ''].filter(Boolean);
  return parts.join(' ');
};
