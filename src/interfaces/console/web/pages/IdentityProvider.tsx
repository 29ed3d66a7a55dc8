// Connecting Okta or Entra ID: the SCIM base URL, SCIM tokens and the JIT hook secret (created,
// rotated, revoked; secrets shown once), step-by-step instructions, the IdP's last request.
import { useState } from 'react';
import { ApiError, dateText, del, get, post, type Session } from '../api';
import { CopyButton, ErrorBox, Field, Loading, Page, toApiError, useLoad } from '../ui';

interface Credential { id: string; kind: 'scim' | 'jit'; label: string; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }
interface Listing { credentials: Credential[]; lastRequest: { scim: string | null; jit: string | null } }
type Issued = Credential & { token: string; replaced?: string };

const KIND = { scim: 'SCIM token', jit: 'JIT hook secret' } as const;

export function IdentityProvider({ session }: { session: Session }) {
  const list = useLoad(() => get<Listing>('/credentials'), []);
  const [issued, setIssued] = useState<Issued>();
  const [error, setError] = useState<ApiError>();
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<'okta' | 'entra'>('okta');
  const base = session.scimBaseUrl ?? `${window.location.origin}/scim/v2`;
  const jitUrl = session.jitLoginUrl ?? `${window.location.origin}/jit/v1/login`;
  const run = async (fn: () => Promise<Issued | void>) => {
    setBusy(true); setError(undefined); setIssued(undefined);
    try { const result = await fn(); if (result) setIssued(result); list.reload(); } catch (e) { setError(toApiError(e)); } finally { setBusy(false); }
  };
  const active = list.data?.credentials.filter((c) => !c.revokedAt) ?? [];
  const last = list.data?.lastRequest.scim;
  const token = issued?.kind === 'scim' ? issued.token : '<the SCIM token shown once when you create it>';

  return (
    <Page title="Identity provider">
      <h2>Connection</h2>
      <dl className="kv">
        <div><dt>SCIM base URL</dt><dd><code data-testid="scim-base-url">{base}</code> <CopyButton text={base} label="Copy the SCIM base URL" /></dd></div>
        <div><dt>JIT login hook</dt><dd><code>{jitUrl}</code> <CopyButton text={jitUrl} label="Copy the JIT login URL" /></dd></div>
        <div><dt>Last request from the IdP</dt><dd data-testid="last-idp-request">{list.data ? (last ? `SCIM: ${dateText(last)}` : 'SCIM: never — the identity provider has not connected yet')
          + (list.data.lastRequest.jit ? ` · JIT: ${dateText(list.data.lastRequest.jit)}` : '') : '…'}
          {' '}<button type="button" className="secondary" disabled={list.loading} onClick={list.reload}>Check again</button></dd></div>
      </dl>

      <h2>Tokens and secrets</h2>
      <div className="row wrap">
        <Field label="Label (optional)">{(id) => <input id={id} value={label} maxLength={200} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. Okta production" />}</Field>
        <button type="button" disabled={busy} onClick={() => run(() => post<Issued>('/credentials', { kind: 'scim', label }))}>Create SCIM token</button>
        <button type="button" className="secondary" disabled={busy} onClick={() => run(() => post<Issued>('/credentials', { kind: 'jit', label }))}>Create JIT hook secret</button>
      </div>
      {issued && (
        <div className="secret" role="status">
          <p><strong>Your new {KIND[issued.kind]}{issued.replaced ? ' (the old one no longer works)' : ''}.</strong> Copy it now: it is shown this once and stored only as a hash.</p>
          <div className="row"><code className="token" data-testid="new-secret">{issued.token}</code><CopyButton text={issued.token} label={`Copy the new ${KIND[issued.kind]}`} /></div>
        </div>
      )}
      <ErrorBox error={error} />
      <ErrorBox error={list.error} title="Tokens could not be loaded" />
      {list.loading && !list.data && <Loading what="tokens" />}
      {list.data && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Tokens and secrets">
          <table>
            <thead><tr><th scope="col">Kind</th><th scope="col">Label</th><th scope="col">Starts with</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {active.map((c) => (
                <tr key={c.id}>
                  <td>{KIND[c.kind]}</td><td>{c.label || '—'}</td><td><code>{c.prefix}…</code></td><td>{dateText(c.createdAt)}</td><td>{dateText(c.lastUsedAt)}</td>
                  <td className="actions">
                    <button type="button" className="secondary" disabled={busy} aria-label={`Rotate ${KIND[c.kind]} ${c.prefix}`}
                      onClick={() => { if (window.confirm(`Replace ${c.prefix}…? The old secret stops working at once; update the identity provider with the new one.`)) void run(() => post<Issued>(`/credentials/${c.id}/rotate`)); }}>Rotate</button>
                    <button type="button" className="danger" disabled={busy} aria-label={`Revoke ${KIND[c.kind]} ${c.prefix}`}
                      onClick={() => { if (window.confirm(`Revoke ${c.prefix}…? It stops working at once.`)) void run(() => del(`/credentials/${c.id}`)); }}>Revoke</button>
                  </td>
                </tr>
              ))}
              {active.length === 0 && <tr><td colSpan={6}>No active token: create a SCIM token to connect your identity provider.</td></tr>}
            </tbody>
          </table>
        </div>
      )}

      <h2>Step by step</h2>
      <div role="tablist" aria-label="Identity provider" className="tabs">
        <button type="button" role="tab" id="tab-okta" aria-controls="panel-okta" aria-selected={tab === 'okta'} tabIndex={tab === 'okta' ? 0 : -1} onClick={() => setTab('okta')}>Okta</button>
        <button type="button" role="tab" id="tab-entra" aria-controls="panel-entra" aria-selected={tab === 'entra'} tabIndex={tab === 'entra' ? 0 : -1} onClick={() => setTab('entra')}>Microsoft Entra ID</button>
      </div>
      {tab === 'okta' ? (
        <div role="tabpanel" id="panel-okta" aria-labelledby="tab-okta" className="steps">
          <ol>
            <li>Create a SCIM token above and copy it.</li>
            <li>In the Okta Admin Console: <em>Applications → Browse App Catalog</em>, add <strong>SCIM 2.0 Test App (Header Auth)</strong> (or your own app with SCIM provisioning).</li>
            <li><em>Provisioning → Configure API Integration → Enable API integration</em>.</li>
            <li>Base URL: <code>{base}</code> <CopyButton text={base} label="Copy the base URL for Okta" /></li>
            <li>API Token: <code>{token}</code>{issued?.kind === 'scim' && <CopyButton text={issued.token} label="Copy the token for Okta" />}</li>
            <li><em>Test API Credentials</em>, then <em>Save</em>.</li>
            <li><em>Provisioning → To App</em>: enable <strong>Create Users</strong>, <strong>Update User Attributes</strong> and <strong>Deactivate Users</strong>. The unique identifier is <code>userName</code>.</li>
            <li><em>Push Groups</em>: push the groups you will map to seat types, then map them on the Group mappings page (the group id is Okta&apos;s group id).</li>
            <li>Assign people or groups to the app. This page shows the IdP&apos;s last request when it arrives.</li>
          </ol>
        </div>
      ) : (
        <div role="tabpanel" id="panel-entra" aria-labelledby="tab-entra" className="steps">
          <ol>
            <li>Create a SCIM token above and copy it.</li>
            <li>In the Microsoft Entra admin center: <em>Enterprise applications → New application → Create your own application</em>, choose <strong>Integrate any other application you don&apos;t find in the gallery (Non-gallery)</strong>.</li>
            <li><em>Provisioning → Get started</em>, Provisioning Mode <strong>Automatic</strong>.</li>
            <li>Tenant URL: <code>{`${base}?aadOptscim062020`}</code> <CopyButton text={`${base}?aadOptscim062020`} label="Copy the tenant URL for Entra" /></li>
            <li>Secret Token: <code>{token}</code>{issued?.kind === 'scim' && <CopyButton text={issued.token} label="Copy the token for Entra" />}</li>
            <li><em>Test Connection</em>, then <em>Save</em>. Keep the default attribute mappings (<code>userPrincipalName → userName</code>, <code>objectId → externalId</code>).</li>
            <li><em>Users and groups</em>: assign users and groups; map groups on the Group mappings page by their object id.</li>
            <li>Set Provisioning Status <strong>On</strong>. The first cycle starts within 40 minutes; this page shows the IdP&apos;s last request.</li>
            <li>Optional, for sign-in: have your SSO layer call <code>{jitUrl}</code> with a JIT hook secret.</li>
          </ol>
        </div>
      )}
    </Page>
  );
}
