// Billing (owners): buy seats with the live prorated preview, invoices (printable), scheduled
// reductions, renewal and cancellation.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, dateText, del, get, money, patch, post, type Session } from '../api';
import { Link, useLocation } from '../router';
import { ErrorBox, Field, Loading, newKey, Page, toApiError, useLoad } from '../ui';
import type { SeatOverview } from './Overview';

interface Line { seatType: string; quantity: number; unitPriceMinor: number; periodStart: string; periodEnd: string; wholeMonths: number; partialDays: number; partialMonthDays: number; amountMinor: number; ruleText: string }
export interface Invoice { id: string; number: string; kind: string; currency: string; issuedAt: string; termStart: string; termEnd: string; totalMinor: number; lines: Line[] }
export interface PurchasePreview { preview: true; seatType: string; quantity: number; purchaseDate: string; currency: string; totalMinor: number; line: Line; wouldServePending: number }
interface Purchase { preview: false; invoice: Invoice; seats: { allocated: number; assigned: number; free: number }; servedPending: number | null }
interface Subscription {
  plan: string; renewsAsPlan: string; billingMode: string; currency: string; termStart: string; termEnd: string; status: 'active' | 'ended';
  autoRenew: boolean; cancelAtTermEnd: boolean; atTermEnd: 'renews' | 'ends' | 'ended';
  scheduledReductions: { id: string; seatType: string; quantity: number; effectiveOn: string }[];
  projectedRenewal: { termStart: string; seats: Record<string, number>; totalMinor: number; raisedToMinimum: number; seatsLostByAssignedMembers: number } | null;
}
interface Reduction { id: string; seatType: string; quantity: number; effectiveOn?: string; status?: string }

export function Billing({ session }: { session: Session }) {
  const { query } = useLocation();
  const seats = useLoad(() => get<SeatOverview>('/seats'), []);
  const invoices = useLoad(() => get<{ invoices: Invoice[]; total?: number }>('/invoices?limit=50'), []);
  const sub = useLoad(() => get<Subscription>('/subscription'), []);
  const reductions = useLoad(() => get<{ reductions: Reduction[] }>('/seats/reductions'), []);
  const [seatType, setSeatType] = useState(query.get('seatType') ?? '');
  const [quantity, setQuantity] = useState(query.get('quantity') ?? '1');
  const [preview, setPreview] = useState<PurchasePreview>();
  const [previewError, setPreviewError] = useState<ApiError>();
  const [error, setError] = useState<ApiError>();
  const [bought, setBought] = useState<Purchase>();
  const [busy, setBusy] = useState(false);
  // One key per intended purchase: a double click or a retry never buys twice.
  const [key, setKey] = useState(newKey);
  const types = seats.data?.seatTypes.map((t) => t.seatType) ?? [];
  const type = seatType || types[0] || '';
  const count = Number(quantity);
  const selfServe = session.billingMode === 'self_serve';

  useEffect(() => {
    setPreview(undefined); setPreviewError(undefined);
    if (!type || !Number.isInteger(count) || count < 1 || !selfServe) return;
    let live = true;
    const timer = setTimeout(() => {
      post<PurchasePreview>('/seats/purchases?preview=true', { seatType: type, quantity: count })
        .then((p) => { if (live) setPreview(p); }, (e: unknown) => { if (live) setPreviewError(toApiError(e)); });
    }, 250);
    return () => { live = false; clearTimeout(timer); };
  }, [type, count, selfServe]);

  const buy = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true); setError(undefined); setBought(undefined);
    try {
      const result = await post<Purchase>('/seats/purchases', { seatType: type, quantity: count }, { 'Idempotency-Key': key });
      setBought(result);
      setKey(newKey());
      seats.reload(); invoices.reload();
    } catch (e) { setError(toApiError(e)); } finally { setBusy(false); }
  };

  return (
    <Page title="Billing">
      <h2>Buy seats</h2>
      {!selfServe && <p className="warn">This organization is sales-assisted: seats change through your account team.</p>}
      {selfServe && (
        <form onSubmit={buy} className="buy">
          <Field label="Seat type">{(id) => <select id={id} value={type} onChange={(e) => { setSeatType(e.target.value); setKey(newKey()); }}>{types.map((t) => <option key={t}>{t}</option>)}</select>}</Field>
          <Field label="Number of seats">{(id) => <input id={id} type="number" min={1} step={1} inputMode="numeric" value={quantity} onChange={(e) => { setQuantity(e.target.value); setKey(newKey()); }} />}</Field>
          <div className="quote" aria-live="polite" data-testid="purchase-preview">
            {preview ? (
              <>
                <p className="total">Invoiced today: <strong>{money(preview.totalMinor, preview.currency)}</strong></p>
                <p className="muted">{preview.line.ruleText}</p>
                {preview.wouldServePending > 0 && <p>{preview.wouldServePending} pending member(s) would get a seat at once.</p>}
              </>
            ) : previewError ? <ErrorBox error={previewError} title="No preview" /> : <p className="muted">The prorated price appears here.</p>}
          </div>
          <button type="submit" disabled={busy || !preview}>{busy ? 'Buying…' : preview ? `Buy ${count} ${type} seat${count === 1 ? '' : 's'} for ${money(preview.totalMinor, preview.currency)}` : 'Buy'}</button>
        </form>
      )}
      <ErrorBox error={error} title="The purchase was refused" />
      {bought && <p role="status" className="ok">Bought. Invoice <Link to={`/billing/invoices/${bought.invoice.id}`}>{bought.invoice.number}</Link> for {money(bought.invoice.totalMinor, bought.invoice.currency)};
        {' '}{bought.seats.allocated} seats allocated now{bought.servedPending ? `, ${bought.servedPending} pending member(s) served` : ''}.</p>}

      <h2>Invoices</h2>
      <ErrorBox error={invoices.error} />
      {invoices.loading && !invoices.data && <Loading what="invoices" />}
      {invoices.data && (invoices.data.invoices.length === 0 ? <p>No invoice yet.</p> : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Invoices table">
          <table>
            <thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col">Issued</th><th scope="col">Total</th></tr></thead>
            <tbody>{invoices.data.invoices.map((i) => (
              <tr key={i.id}><td><Link to={`/billing/invoices/${i.id}`}>{i.number}</Link></td><td>{i.kind}</td><td>{dateText(i.issuedAt)}</td><td className="num">{money(i.totalMinor, i.currency)}</td></tr>
            ))}</tbody>
          </table>
        </div>
      ))}

      <h2>Subscription</h2>
      <ErrorBox error={sub.error} />
      {sub.data && <Subscription data={sub.data} selfServe={selfServe} onChanged={sub.reload}
        allocated={Object.fromEntries((seats.data?.seatTypes ?? []).map((t) => [t.seatType, t.allocated]))} />}

      <h2>Scheduled reductions</h2>
      <ErrorBox error={reductions.error} />
      {reductions.data && <Reductions list={reductions.data.reductions} types={types} selfServe={selfServe} onChanged={() => { reductions.reload(); sub.reload(); }} />}
    </Page>
  );
}

type Change = 'autoRenewOff' | 'autoRenewOn' | 'cancel' | 'resume';

/**
 * The subscription: what happens at the term end (renews, with the seats carried after the
 * scheduled reductions and the projected invoice, or ends and why), and the owner's controls —
 * automatic renewal on/off, cancel at term end / resume — each confirmed on the page first.
 */
function Subscription({ data, allocated, selfServe, onChanged }: { data: Subscription; allocated: Record<string, number>; selfServe: boolean; onChanged: () => void }) {
  const [error, setError] = useState<ApiError>();
  const [asking, setAsking] = useState<Change>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => { if (asking) confirmRef.current?.focus(); }, [asking]);
  const currency = data.currency;
  const ended = data.status === 'ended';
  const atEnd = ended ? `ended on ${data.termEnd}`
    : data.atTermEnd === 'renews' ? `renews on ${data.termEnd} as ${data.renewsAsPlan}`
    : `ends on ${data.termEnd}: ${data.cancelAtTermEnd ? 'the subscription is cancelled' : 'automatic renewal is off'}`;
  const reductionsOf = (type: string) => data.scheduledReductions.filter((r) => r.seatType === type).reduce((n, r) => n + r.quantity, 0);
  const renewal = data.projectedRenewal;
  const types = [...new Set([...Object.keys(allocated), ...Object.keys(renewal?.seats ?? {})])];
  const QUESTIONS: Record<Change, { title: string; text: string; yes: string; no: string; run: () => Promise<unknown>; said: string }> = {
    autoRenewOff: { title: 'Turn off automatic renewal?', text: `The subscription will end on ${data.termEnd}: after that day no member gets a seat and the identity provider's changes are refused. Access continues until then, and you can turn renewal back on before.`,
      yes: 'Turn off automatic renewal', no: 'Keep it on', run: () => patch('/subscription', { autoRenew: false }), said: `Automatic renewal is off: the subscription ends on ${data.termEnd}.` },
    autoRenewOn: { title: 'Turn on automatic renewal?', text: `The subscription will renew on ${data.termEnd} for a year, invoiced for the seats carried${data.cancelAtTermEnd ? ' — once the cancellation is also undone' : ''}.`,
      yes: 'Turn on automatic renewal', no: 'Leave it off', run: () => patch('/subscription', { autoRenew: true }), said: 'Automatic renewal is on.' },
    cancel: { title: 'Cancel at the end of the term?', text: `The subscription will end on ${data.termEnd}; access continues until then, and you can resume it before.`,
      yes: 'Cancel at term end', no: 'Keep the subscription', run: () => post('/subscription/cancel'), said: `Cancelled: the subscription ends on ${data.termEnd}.` },
    resume: { title: 'Resume the subscription?', text: `The cancellation is undone${data.autoRenew ? `: the subscription renews on ${data.termEnd}` : ', but automatic renewal is still off'}.`,
      yes: 'Resume the subscription', no: 'Keep it cancelled', run: () => post('/subscription/resume'), said: 'Resumed: the cancellation is undone.' },
  };
  const confirm = async () => {
    const q = QUESTIONS[asking!];
    setBusy(true); setError(undefined);
    try { await q.run(); setDone(q.said); setAsking(undefined); onChanged(); } catch (e) { setError(toApiError(e)); setAsking(undefined); } finally { setBusy(false); }
  };
  const ask = (change: Change) => { setDone(undefined); setError(undefined); setAsking(change); };
  return (
    <>
      <dl className="kv">
        <div><dt>Plan</dt><dd>{data.plan} ({data.billingMode === 'self_serve' ? 'self-serve' : 'sales-assisted'}, {data.currency})</dd></div>
        <div><dt>Term</dt><dd>{data.termStart} to {data.termEnd} (exclusive)</dd></div>
        <div><dt>Status</dt><dd>{data.status}{data.cancelAtTermEnd && !ended ? ' — cancelled at the end of the term' : ''}</dd></div>
        <div><dt>Automatic renewal</dt><dd data-testid="auto-renew">{data.autoRenew ? 'On' : 'Off'}</dd></div>
        <div><dt>At the end of the term</dt><dd data-testid="at-term-end">{atEnd}</dd></div>
      </dl>
      {renewal && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Seats at the renewal">
          <table>
            <caption className="sr-only">Seats now and at the renewal on {renewal.termStart}</caption>
            <thead><tr><th scope="col">Seat type</th><th scope="col">Now</th><th scope="col">Scheduled reductions</th><th scope="col">From {renewal.termStart}</th></tr></thead>
            <tbody>{types.map((type) => (
              <tr key={type}><th scope="row">{type}</th><td className="num">{allocated[type] ?? 0}</td>
                <td className="num">{reductionsOf(type) ? `−${reductionsOf(type)}` : '—'}</td><td className="num">{renewal.seats[type] ?? 0}</td></tr>
            ))}</tbody>
            <tfoot><tr><th scope="row" colSpan={3}>Projected renewal invoice (12 months)</th><td className="num" data-testid="renewal-total">{money(renewal.totalMinor, currency)}</td></tr></tfoot>
          </table>
        </div>
      )}
      {renewal && renewal.raisedToMinimum > 0 && <p className="muted">{renewal.raisedToMinimum} seat(s) added to reach the plan's minimum.</p>}
      {renewal && renewal.seatsLostByAssignedMembers > 0 && <p className="warn">{renewal.seatsLostByAssignedMembers} member(s) holding a seat would lose it at the renewal and wait as pending.</p>}
      {!renewal && !ended && data.scheduledReductions.length > 0 && <p className="muted">The scheduled reductions apply only if the subscription renews.</p>}
      {!selfServe && <p className="muted">Renewal and cancellation of a sales-assisted subscription go through your account team.</p>}
      {selfServe && !ended && !asking && (
        <div className="row wrap" role="group" aria-label="Renewal">
          {data.autoRenew
            ? <button type="button" className="danger" onClick={() => ask('autoRenewOff')}>Turn off automatic renewal…</button>
            : <button type="button" className="secondary" onClick={() => ask('autoRenewOn')}>Turn on automatic renewal…</button>}
          {data.cancelAtTermEnd
            ? <button type="button" className="secondary" onClick={() => ask('resume')}>Resume the subscription…</button>
            : <button type="button" className="danger" onClick={() => ask('cancel')}>Cancel at term end…</button>}
        </div>
      )}
      {asking && (
        <div className="panel confirm" role="group" aria-labelledby="confirm-title" aria-describedby="confirm-text">
          <h3 id="confirm-title" ref={confirmRef} tabIndex={-1}>{QUESTIONS[asking].title}</h3>
          <p id="confirm-text">{QUESTIONS[asking].text}</p>
          <div className="row wrap">
            <button type="button" className={asking === 'autoRenewOff' || asking === 'cancel' ? 'danger' : ''} disabled={busy} onClick={confirm}>{busy ? 'Saving…' : QUESTIONS[asking].yes}</button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setAsking(undefined)}>{QUESTIONS[asking].no}</button>
          </div>
        </div>
      )}
      {done && <p role="status" className="ok">{done}</p>}
      <ErrorBox error={error} title="The change was refused" />
    </>
  );
}

function Reductions({ list, types, selfServe, onChanged }: { list: Reduction[]; types: string[]; selfServe: boolean; onChanged: () => void }) {
  const [type, setType] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [error, setError] = useState<ApiError>();
  const schedule = async (event: FormEvent) => {
    event.preventDefault();
    try { setError(undefined); await post('/seats/reductions', { seatType: type || types[0], quantity: Number(quantity) }); onChanged(); } catch (e) { setError(toApiError(e)); }
  };
  const cancel = async (id: string) => { try { setError(undefined); await del(`/seats/reductions/${id}`); onChanged(); } catch (e) { setError(toApiError(e)); } };
  return (
    <>
      {list.length === 0 ? <p>None: the renewal carries every seat.</p> : (
        <ul>{list.map((r) => <li key={r.id}>−{r.quantity} {r.seatType} at the renewal{r.effectiveOn ? ` (${r.effectiveOn})` : ''}
          {selfServe && <> <button type="button" className="link" onClick={() => cancel(r.id)}>Cancel this reduction</button></>}</li>)}</ul>
      )}
      {selfServe && (
        <form className="row wrap" onSubmit={schedule}>
          <Field label="Reduce seat type">{(id) => <select id={id} value={type || types[0] || ''} onChange={(e) => setType(e.target.value)}>{types.map((t) => <option key={t}>{t}</option>)}</select>}</Field>
          <Field label="By">{(id) => <input id={id} type="number" min={1} value={quantity} onChange={(e) => setQuantity(e.target.value)} />}</Field>
          <button type="submit" className="secondary">Schedule for the renewal</button>
        </form>
      )}
      <ErrorBox error={error} />
    </>
  );
}

export function InvoicePage({ id }: { id: string }) {
  const invoice = useLoad(() => get<Invoice>(`/invoices/${encodeURIComponent(id)}`), [id]);
  if (invoice.error) return <Page title="Invoice"><ErrorBox error={invoice.error} title="The invoice could not be loaded" /></Page>;
  if (!invoice.data) return <Page title="Invoice"><Loading what="the invoice" /></Page>;
  const i = invoice.data;
  return (
    <Page title={`Invoice ${i.number}`} actions={<><Link to="/billing" className="no-print">Billing</Link> <button type="button" className="no-print" onClick={() => window.print()}>Print</button></>}>
      <article className="invoice">
        <dl className="kv">
          <div><dt>Number</dt><dd>{i.number}</dd></div>
          <div><dt>Kind</dt><dd>{i.kind}</dd></div>
          <div><dt>Issued</dt><dd>{dateText(i.issuedAt)}</dd></div>
          <div><dt>Term</dt><dd>{i.termStart} to {i.termEnd} (exclusive)</dd></div>
        </dl>
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Invoice lines">
          <table>
            <thead><tr><th scope="col">Seat type</th><th scope="col">Seats</th><th scope="col">Monthly price</th><th scope="col">Period</th><th scope="col">Months</th><th scope="col">Amount</th></tr></thead>
            <tbody>{i.lines.map((l, n) => (
              <tr key={n}><td>{l.seatType}</td><td className="num">{l.quantity}</td><td className="num">{money(l.unitPriceMinor, i.currency)}</td>
                <td>{l.periodStart} – {l.periodEnd}</td><td className="num">{l.wholeMonths}{l.partialDays ? ` + ${l.partialDays}/${l.partialMonthDays}` : ''}</td>
                <td className="num">{money(l.amountMinor, i.currency)}</td></tr>
            ))}</tbody>
            <tfoot><tr><th scope="row" colSpan={5}>Total</th><td className="num" data-testid="invoice-total"><strong>{money(i.totalMinor, i.currency)}</strong></td></tr></tfoot>
          </table>
        </div>
        {i.lines.map((l, n) => <p key={n} className="muted">{l.ruleText}</p>)}
      </article>
    </Page>
  );
}
