// Billing (owners): buy seats with the live prorated preview, invoices (printable), scheduled
// reductions, renewal and cancellation.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, dateText, del, get, money, post, type Session } from '../api';
import { Link, useLocation } from '../router';
import { ErrorBox, Field, Loading, newKey, Page, toApiError, useLoad } from '../ui';
import type { SeatOverview } from './Overview';

interface Line { seatType: string; quantity: number; unitPriceMinor: number; periodStart: string; periodEnd: string; wholeMonths: number; partialDays: number; partialMonthDays: number; amountMinor: number; ruleText: string }
export interface Invoice { id: string; number: string; kind: string; currency: string; issuedAt: string; termStart: string; termEnd: string; totalMinor: number; lines: Line[] }
export interface PurchasePreview { preview: true; seatType: string; quantity: number; purchaseDate: string; currency: string; totalMinor: number; line: Line; wouldServePending: number }
interface Purchase { preview: false; invoice: Invoice; seats: { allocated: number; assigned: number; free: number }; servedPending: number | null }
interface Subscription { [key: string]: unknown }
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
      {sub.data && <Subscription data={sub.data} selfServe={selfServe} onChanged={sub.reload} />}

      <h2>Scheduled reductions</h2>
      <ErrorBox error={reductions.error} />
      {reductions.data && <Reductions list={reductions.data.reductions} types={types} selfServe={selfServe} onChanged={reductions.reload} />}
    </Page>
  );
}

function Subscription({ data, selfServe, onChanged }: { data: Subscription; selfServe: boolean; onChanged: () => void }) {
  const [error, setError] = useState<ApiError>();
  const cancelled = Boolean(data.cancelAtTermEnd);
  const run = async (path: string) => { try { setError(undefined); await post(path); onChanged(); } catch (e) { setError(toApiError(e)); } };
  const renewal = data.projectedRenewal as { totalMinor?: number; seats?: Record<string, number> } | null | undefined;
  const currency = String(data.currency);
  const atEnd = data.atTermEnd === 'renews' ? `renews as ${String(data.renewsAsPlan)}` : data.atTermEnd === 'ended' ? 'ended' : 'ends (no renewal)';
  return (
    <>
      <dl className="kv">
        <div><dt>Plan</dt><dd>{String(data.plan)} ({data.billingMode === 'self_serve' ? 'self-serve' : 'sales-assisted'}, {String(data.currency)})</dd></div>
        <div><dt>Term</dt><dd>{String(data.termStart)} to {String(data.termEnd)} (exclusive)</dd></div>
        <div><dt>Status</dt><dd>{String(data.status)}{cancelled ? ' — cancelled at the end of the term' : ''}</dd></div>
        <div><dt>At the end of the term</dt><dd>{atEnd}{renewal?.totalMinor !== undefined ? `: ${Object.entries(renewal.seats ?? {}).map(([t, n]) => `${n} ${t}`).join(', ')} seats, projected renewal invoice ${money(renewal.totalMinor, currency)}` : ''}</dd></div>
      </dl>
      {selfServe && (cancelled
        ? <button type="button" onClick={() => run('/subscription/resume')}>Resume the subscription</button>
        : <button type="button" className="danger" onClick={() => { if (window.confirm('Cancel at the end of the term? Access continues until then.')) void run('/subscription/cancel'); }}>Cancel at term end</button>)}
      <ErrorBox error={error} />
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
