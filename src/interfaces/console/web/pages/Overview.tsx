// Overview: seats per type against the alert threshold, the term, and what needs attention.
import { get, isOwner, money, type Session } from '../api';
import { Link } from '../router';
import { ErrorBox, Loading, Page, SeatBar, useLoad } from '../ui';

export interface SeatTypeRow {
  seatType: string; allocated: number; assigned: number; pending: number; free: number; utilization: number;
  monthlyPriceMinor: number; blockedAttemptsLast30Days: number;
}
export interface SeatOverview {
  plan: string; currency: string; onNoSeat: string; seatTypes: SeatTypeRow[]; pendingMembers: number;
  blockedAttemptsLast30Days: { total: number; bySeatType: Record<string, number> };
}
interface Organization { name: string; plan: string; billingMode: string; termStart: string; termEnd: string; autoRenew: boolean; cancelAtTermEnd: boolean; status: string }
interface Reduction { id: string; seatType: string; quantity: number; effectiveOn?: string; status?: string }

const DAY = 86_400_000;

export function Overview({ session }: { session: Session }) {
  const owner = isOwner(session);
  const seats = useLoad(() => get<SeatOverview>('/seats'), []);
  const org = useLoad(() => get<Organization>('/organization'), []);
  const settings = useLoad(() => get<{ utilizationAlertThreshold: number }>('/settings'), []);
  const reductions = useLoad(() => (owner ? get<{ reductions: Reduction[] }>('/seats/reductions') : Promise.resolve({ reductions: [] })), [owner]);
  const refusals = useLoad(() => get<{ events: { at: string }[] }>('/audit?action=seat.refused&limit=500'), []);
  const threshold = settings.data?.utilizationAlertThreshold ?? 0.9;

  const attention: { text: string; to: string }[] = [];
  if (seats.data) {
    if (seats.data.pendingMembers > 0) attention.push({ text: `${seats.data.pendingMembers} member(s) waiting for a seat`, to: '/members?seatState=pending' });
    for (const t of seats.data.seatTypes) {
      if (t.allocated > 0 && t.free <= 0) attention.push({ text: `${t.seatType} is full (${t.assigned} of ${t.allocated})${owner ? ': buy seats' : ': ask an owner to buy seats'}`, to: owner ? `/billing?seatType=${t.seatType}` : '/members' });
      else if (t.allocated > 0 && t.assigned / t.allocated >= threshold) attention.push({ text: `${t.seatType} is at ${Math.round((t.assigned / t.allocated) * 100)}%, over the ${Math.round(threshold * 100)}% alert threshold`, to: '/members' });
      if (t.blockedAttemptsLast30Days > 0) attention.push({ text: `${t.blockedAttemptsLast30Days} attempt(s) refused for lack of a ${t.seatType} seat in the last 30 days`, to: '/audit?action=seat.refused' });
    }
  }
  if (org.data?.cancelAtTermEnd) attention.push({ text: `The subscription is cancelled: access ends on ${org.data.termEnd}`, to: owner ? '/billing' : '/' });

  const daysLeft = org.data ? Math.ceil((Date.parse(`${org.data.termEnd}T00:00:00Z`) - Date.parse(`${session.today}T00:00:00Z`)) / DAY) : 0;

  return (
    <Page title="Overview">
      <h2>Seats</h2>
      <ErrorBox error={seats.error} title="Seats could not be loaded" />
      {seats.loading && !seats.data && <Loading what="seats" />}
      {seats.data && (
        <div className="cards">
          {seats.data.seatTypes.map((t) => (
            <article className="card" key={t.seatType} aria-labelledby={`seat-${t.seatType}`}>
              <h3 id={`seat-${t.seatType}`}>{t.seatType}</h3>
              <SeatBar assigned={t.assigned} allocated={t.allocated} threshold={threshold} label={`${t.seatType} utilization`} />
              <dl className="stats">
                <div><dt>Allocated</dt><dd>{t.allocated}</dd></div>
                <div><dt>Assigned</dt><dd>{t.assigned}</dd></div>
                <div><dt>Pending</dt><dd>{t.pending}</dd></div>
                <div><dt>Free</dt><dd>{t.free}</dd></div>
              </dl>
              <p className="muted">{money(t.monthlyPriceMinor, seats.data!.currency)} per seat per month · {t.blockedAttemptsLast30Days} refused in 30 days</p>
            </article>
          ))}
        </div>
      )}
      <h2>Refused for lack of a seat, last 30 days</h2>
      <ErrorBox error={refusals.error} />
      {refusals.data && <RefusalChart events={refusals.data.events} />}
      <h2>Needs attention</h2>
      {seats.data && (attention.length === 0
        ? <p>Nothing needs attention.</p>
        : <ul className="attention">{attention.map((a) => <li key={a.text}><Link to={a.to}>{a.text}</Link></li>)}</ul>)}
      <h2>Term</h2>
      <ErrorBox error={org.error} title="The organization could not be loaded" />
      {org.data && (
        <dl className="kv">
          <div><dt>Plan</dt><dd>{org.data.plan} ({org.data.billingMode === 'self_serve' ? 'self-serve' : 'sales-assisted'})</dd></div>
          <div><dt>Term</dt><dd>{org.data.termStart} to {org.data.termEnd} (exclusive)</dd></div>
          <div><dt>Renewal</dt><dd>{org.data.cancelAtTermEnd ? 'cancelled: ends' : org.data.autoRenew ? 'renews automatically' : 'auto-renew is off: ends'} on {org.data.termEnd}
            {daysLeft >= 0 ? `, in ${daysLeft} day(s)` : ''}</dd></div>
          <div><dt>When no seat is free</dt><dd>{seats.data?.onNoSeat === 'pending' ? 'new members wait (pending)' : 'new members are refused (block)'}</dd></div>
        </dl>
      )}
      {owner && (
        <>
          <h3>Scheduled reductions</h3>
          <ErrorBox error={reductions.error} />
          {reductions.data && (reductions.data.reductions.length === 0 ? <p>None.</p> : (
            <ul>{reductions.data.reductions.map((r) => <li key={r.id}>−{r.quantity} {r.seatType} at the renewal{r.effectiveOn ? ` (${r.effectiveOn})` : ''}</li>)}</ul>
          ))}
        </>
      )}
    </Page>
  );
}

/** Refusals per day over the last 30 days (from the audit trail's `seat.refused` events). */
function RefusalChart({ events }: { events: { at: string }[] }) {
  const today = Date.parse(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
  const days = Array.from({ length: 30 }, (_, i) => ({ day: new Date(today - (29 - i) * DAY).toISOString().slice(0, 10), count: 0 }));
  for (const event of events) {
    const slot = days.find((d) => d.day === event.at.slice(0, 10));
    if (slot) slot.count += 1;
  }
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const max = Math.max(1, ...days.map((d) => d.count));
  const busiest = days.reduce((a, b) => (b.count > a.count ? b : a), days[0]!);
  const label = total === 0 ? 'No refusal in the last 30 days.'
    : `${total} refusal(s) in the last 30 days; the most, ${busiest.count}, on ${busiest.day}.`;
  return (
    <figure className="chart">
      <div className="bars" role="img" aria-label={label}>
        {days.map((d) => <div key={d.day} className="bar" title={`${d.day}: ${d.count}`} style={{ height: `${(d.count / max) * 100}%` }} />)}
      </div>
      <figcaption className="muted">{label} {days[0]!.day} to {days[29]!.day}.</figcaption>
    </figure>
  );
}
