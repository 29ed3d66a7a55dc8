// The console shell: sign-in, the session, navigation by role (SPEC §1: admins see no billing,
// owners see everything; members cannot sign in), and the pages.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, isOwner, SESSION_ENDED, setCsrfToken, type Session } from './api';
import { Link, navigate, useLocation } from './router';
import { ErrorBox, Field, Loading, toApiError } from './ui';
import { Overview } from './pages/Overview';
import { Members } from './pages/Members';
import { MemberPage } from './pages/Member';
import { Mappings } from './pages/Mappings';
import { Billing, InvoicePage } from './pages/Billing';
import { IdentityProvider } from './pages/IdentityProvider';
import { Settings } from './pages/Settings';
import { Audit } from './pages/Audit';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [ended, setEnded] = useState<string | null>(null);

  const signedIn = useRef(false);
  const adopt = (s: Session | null) => {
    signedIn.current = s !== null;
    setCsrfToken(s?.csrfToken ?? '');
    setSession(s);
  };

  useEffect(() => {
    // The one-time sign-in link the first start prints: /console/#sign-in=<secret>. The secret is
    // in the fragment (never sent in a request line, a log or a Referer) and leaves the address
    // bar at once; the server makes it a session, once.
    const link = /^#sign-in=([A-Za-z0-9_-]{43})$/.exec(window.location.hash)?.[1];
    if (link) window.history.replaceState(null, '', window.location.pathname + window.location.search);
    const start = link
      ? api<Session>('POST', '/console/api/session', { link }).then(() => api<Session>('GET', '/console/api/session'))
      : api<Session>('GET', '/console/api/session');
    start.then(adopt, (error: unknown) => {
      const e = toApiError(error);
      if (e.code === 'session_ended' || link) setEnded(e.message);
      adopt(null);
    });
    // Several requests may be refused at once: the first says why (e.g. "revoked"); the later
    // ones only see that the cookie is gone.
    const onEnded = (event: Event) => {
      if (!signedIn.current) return;
      signedIn.current = false;
      setEnded((event as CustomEvent<string>).detail);
      adopt(null);
    };
    window.addEventListener(SESSION_ENDED, onEnded);
    return () => window.removeEventListener(SESSION_ENDED, onEnded);
  }, []);

  if (session === undefined) return <main id="main" className="center"><Loading what="your session" /></main>;
  if (session === null) return <SignIn notice={ended} onSignedIn={(s) => { setEnded(null); adopt(s); }} />;
  // After a change to roles (a transfer of ownership, a demotion), the shell shows the role the
  // server now gives this session: what the page offers follows it at once.
  const refresh = () => { api<Session>('GET', '/console/api/session').then(adopt, () => { /* a 401 ends the session via SESSION_ENDED */ }); };
  return <Shell session={session} onSessionChanged={refresh} onSignedOut={() => { setEnded('You signed out.'); adopt(null); }} />;
}

function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  useEffect(() => { document.title = 'Sign in · seatgate console'; }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api<Session>('POST', '/console/api/session', { token });
      setToken('');
      onSignedIn(session);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="signin">
      <h1>seatgate console</h1>
      <p>Sign in with an <strong>admin token</strong> (<code>sgadm_…</code>). The first <code>npm start</code> prints one, and a link that signs you in once;
        an operator creates more with <code>npm run cli -- token create --org ID --kind admin</code>.</p>
      {notice && <p className="notice" role="status">{notice}</p>}
      <form onSubmit={submit} aria-describedby="signin-help">
        <Field label="Admin token">
          {(id) => <input id={id} name="token" type="password" autoComplete="off" spellCheck={false} required value={token}
            onChange={(e) => setToken(e.target.value)} />}
        </Field>
        <button type="submit" disabled={busy || token.trim() === ''}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <p id="signin-help" className="muted">Your session lasts 12 hours at most and ends after 30 minutes without activity, when you sign out,
        or at once if the token is revoked or your member stops being an admin.</p>
      <ErrorBox error={error} title="Sign-in refused" />
    </main>
  );
}

const ROLE_TEXT: Record<string, string> = { primary_owner: 'Primary owner', owner: 'Owner', admin: 'Admin', member: 'Member' };

function Shell({ session, onSessionChanged, onSignedOut }: { session: Session; onSessionChanged: () => void; onSignedOut: () => void }) {
  const { path } = useLocation();
  const owner = isOwner(session);
  const [signOutError, setSignOutError] = useState<ApiError>();
  const nav = [
    { to: '/', label: 'Overview', match: (p: string) => p === '/' },
    { to: '/members', label: 'Members', match: (p: string) => p.startsWith('/members') },
    { to: '/mappings', label: 'Group mappings', match: (p: string) => p.startsWith('/mappings') },
    ...(owner ? [{ to: '/billing', label: 'Billing', match: (p: string) => p.startsWith('/billing') }] : []),
    { to: '/identity-provider', label: 'Identity provider', match: (p: string) => p.startsWith('/identity-provider') },
    { to: '/settings', label: 'Settings', match: (p: string) => p.startsWith('/settings') },
    { to: '/audit', label: 'Audit log', match: (p: string) => p.startsWith('/audit') },
  ];
  const signOut = async () => {
    try {
      await api('DELETE', '/console/api/session');
      navigate('/', true);
      onSignedOut();
    } catch (e) {
      setSignOutError(toApiError(e));
    }
  };
  useEffect(() => { document.getElementById('page-title')?.focus({ preventScroll: true }); }, [path]);

  let page;
  const member = path.match(/^\/members\/([^/]+)$/);
  const invoice = path.match(/^\/billing\/invoices\/([^/]+)$/);
  if (path === '/') page = <Overview session={session} />;
  else if (path === '/members') page = <Members session={session} />;
  else if (member) page = <MemberPage id={decodeURIComponent(member[1]!)} session={session} onSessionChanged={onSessionChanged} />;
  else if (path === '/mappings') page = <Mappings />;
  else if (path === '/billing' && owner) page = <Billing session={session} />;
  else if (invoice && owner) page = <InvoicePage id={decodeURIComponent(invoice[1]!)} />;
  else if (path.startsWith('/billing')) page = <NotAllowed what="Billing is for owners (SPEC §1): ask an owner of your organization." />;
  else if (path === '/identity-provider') page = <IdentityProvider session={session} />;
  else if (path === '/settings') page = <Settings session={session} />;
  else if (path === '/audit') page = <Audit />;
  else page = <NotAllowed what="There is no such page." />;

  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <div className="brand"><span aria-hidden="true">▣</span> seatgate</div>
        <div className="who">
          <span className="org">{session.orgName}</span>
          <span className="user">{session.userName} · <span className="role" data-testid="role">{ROLE_TEXT[session.role ?? ''] ?? session.role}</span></span>
          <button type="button" className="secondary" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <ErrorBox error={signOutError} title="Sign-out failed" />
      <div className="layout">
        <nav aria-label="Console">
          <ul>
            {nav.map((item) => (
              <li key={item.to}><Link to={item.to} aria-current={item.match(path) ? 'page' : undefined}>{item.label}</Link></li>
            ))}
          </ul>
        </nav>
        <main id="main">{page}</main>
      </div>
    </>
  );
}

function NotAllowed({ what }: { what: string }) {
  return <section aria-labelledby="page-title"><h1 id="page-title" tabIndex={-1}>Not available</h1><p>{what}</p></section>;
}
