// Settings: what the gate does when no seat is free, the utilization alert and its webhook (with
// a test send), extra usage.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, get, isOwner, patch, post, type Session } from '../api';
import { ErrorBox, Field, Loading, Page, toApiError, useLoad } from '../ui';

interface WebhookTest { outcome: 'delivered' | 'refused' | 'failed'; status?: number; reason?: string; url: 'saved' | 'supplied'; host: string; message: string }
interface SettingsDoc { onNoSeat: 'block' | 'pending'; utilizationAlertThreshold: number; alertWebhookUrl: string | null; extraUsage?: boolean; roleSeatTypes: Record<string, string>; roleSeatFallback: boolean }

export function Settings({ session }: { session: Session }) {
  const loaded = useLoad(() => get<SettingsDoc>('/settings'), []);
  const [form, setForm] = useState<{ onNoSeat: string; threshold: string; webhook: string; extraUsage: boolean }>();
  const [error, setError] = useState<ApiError>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);
  // The webhook URL as the last save answered it, until the reload brings the same: a test sent
  // right after "Saved." must test the saved URL, not send it again as "not saved yet".
  const [savedWebhook, setSavedWebhook] = useState<string | null>();
  useEffect(() => {
    setSavedWebhook(undefined);
    if (loaded.data) setForm({ onNoSeat: loaded.data.onNoSeat, threshold: String(Math.round(loaded.data.utilizationAlertThreshold * 100)), webhook: loaded.data.alertWebhookUrl ?? '', extraUsage: Boolean(loaded.data.extraUsage) });
  }, [loaded.data]);
  if (loaded.error) return <Page title="Settings"><ErrorBox error={loaded.error} title="Settings could not be loaded" /></Page>;
  if (!form || !loaded.data) return <Page title="Settings"><Loading what="settings" /></Page>;
  const hasExtraUsage = loaded.data.extraUsage !== undefined;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true); setError(undefined); setSaved(undefined);
    const body: Record<string, unknown> = {
      onNoSeat: form.onNoSeat, utilizationAlertThreshold: Number(form.threshold) / 100, alertWebhookUrl: form.webhook.trim() || null,
    };
    if (hasExtraUsage && isOwner(session) && form.extraUsage !== loaded.data!.extraUsage) body.extraUsage = form.extraUsage;
    try {
      const result = await patch<SettingsDoc & { servedPending: number }>('/settings', body);
      setSavedWebhook(result.alertWebhookUrl);
      setSaved(`Saved.${result.servedPending ? ` ${result.servedPending} pending member(s) got a seat.` : ''}`);
      loaded.reload();
    } catch (e) { setError(toApiError(e)); } finally { setBusy(false); }
  };
  return (
    <Page title="Settings">
      <form onSubmit={save} className="settings">
        <fieldset>
          <legend>When a member should get a seat and none is free</legend>
          <div className="check"><input type="radio" id="ons-block" name="onNoSeat" checked={form.onNoSeat === 'block'} onChange={() => setForm({ ...form, onNoSeat: 'block' })} />
            <label htmlFor="ons-block">Refuse (the IdP gets a 403 that says an owner must buy seats)</label></div>
          <div className="check"><input type="radio" id="ons-pending" name="onNoSeat" checked={form.onNoSeat === 'pending'} onChange={() => setForm({ ...form, onNoSeat: 'pending' })} />
            <label htmlFor="ons-pending">Create the member as pending; seats go to pending members first come, first served</label></div>
        </fieldset>
        <Field label="Utilization alert threshold (%)" hint="An alert (log, metric and webhook) when a seat type's use reaches this">{(id, hint) => (
          <input id={id} aria-describedby={hint} type="number" min={0} max={100} step={1} value={form.threshold} onChange={(e) => setForm({ ...form, threshold: e.target.value })} />)}</Field>
        <Field label="Alert webhook URL (optional)" hint="Receives a JSON POST on each alert">{(id, hint) => (
          <input id={id} aria-describedby={hint} type="url" placeholder="https://…" value={form.webhook} onChange={(e) => setForm({ ...form, webhook: e.target.value })} />)}</Field>
        <WebhookTestButton url={form.webhook.trim()} saved={savedWebhook === undefined ? loaded.data.alertWebhookUrl : savedWebhook} />
        {hasExtraUsage && (
          <div className="check">
            <input id="extra-usage" type="checkbox" disabled={!isOwner(session)} checked={form.extraUsage} onChange={(e) => setForm({ ...form, extraUsage: e.target.checked })} />
            <label htmlFor="extra-usage">Extra usage beyond the seat limits{isOwner(session) ? '' : ' (owners change this)'}</label>
          </div>
        )}
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save settings'}</button>
      </form>
      <ErrorBox error={error} title="The settings were refused" />
      {saved && <p role="status" className="ok">{saved}</p>}
    </Page>
  );
}

/**
 * Sends one test event to the webhook in the field (saved or not yet) and says what happened.
 * The URL is sent only when it differs from the saved one, so the answer says which was tested.
 */
function WebhookTestButton({ url, saved }: { url: string; saved: string | null }) {
  const [result, setResult] = useState<WebhookTest>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true); setResult(undefined); setError(undefined);
    try {
      setResult(await post<WebhookTest>('/settings/alert-webhook/test', url === saved ? {} : { url }));
    } catch (e) { setError(toApiError(e)); } finally { setBusy(false); }
  };
  return (
    <div className="webhook-test">
      <button type="button" className="secondary" disabled={busy || !url} onClick={run} aria-describedby="webhook-test-hint">
        {busy ? 'Sending a test event…' : 'Send a test event'}</button>
      <small id="webhook-test-hint" className="muted">{url ? `One event marked as a test${url === saved ? '' : ' (to this URL, not saved yet)'}; no seat changes.` : 'Enter a webhook URL to test it.'}</small>
      <div aria-live="polite" data-testid="webhook-test-result">
        {result && <p className={result.outcome === 'delivered' ? 'ok' : 'error'}>
          <strong>{result.outcome === 'delivered' ? 'Test delivered' : result.outcome === 'refused' ? 'Test not sent' : 'Test failed'}</strong>
          {' '}({result.host}): {result.message}</p>}
      </div>
      <ErrorBox error={error} title="The test was refused" />
    </div>
  );
}
