import { validateConfig } from '../../src/config.js';

const valid = {
  server: { host: '0.0.0.0', port: 8080, publicUrl: null, trustProxy: false },
  database: { url: null, poolSize: 10, embedded: { dataDir: './data', port: 0 } },
  plansFile: null,
  log: { level: 'info' },
  demo: { enabled: true },
};

describe('configuration', () => {
  it('accepts the defaults and loads the plan catalog', () => {
    expect(validateConfig(valid).plans.names()).toContain('team');
    // Alert webhooks: public https targets only unless the operator allows more (decision 0010).
    expect(validateConfig(valid).alerts.webhook).toEqual({ allowHttp: false, allowPrivateTargets: false, allowedTargets: [], timeoutMs: 5000 });
    expect(validateConfig({ ...valid, alerts: { webhook: { allowedTargets: ['hooks.corp.internal', 'fd00::/8'] } } }).alerts.webhook.allowedTargets)
      .toEqual(['hooks.corp.internal', 'fd00::/8']);
  });

  it.each([
    [{ database: { ...valid.database, url: 'mysql://x/y' } }, /database\.url[\s\S]*postgres:\/\//],
    [{ database: { ...valid.database, url: 'not a url' } }, /postgres:\/\//],
    [{ server: { ...valid.server, publicUrl: 'ftp://x' } }, /publicUrl[\s\S]*http/],
    [{ server: { ...valid.server, port: 70000 } }, /port/],
    [{ log: { level: 'loud' } }, /log\.level/],
    [{ plansFile: '/nonexistent/plans.json' }, /cannot read the plan catalog/],
    [{ alerts: { webhook: { allowedTargets: ['10.0.0.0/99'] } } }, /alerts\.webhook\.allowedTargets\.0[\s\S]*CIDR/],
    [{ alerts: { webhook: { allowPrivateTargets: 'yes' } } }, /alerts\.webhook\.allowPrivateTargets/],
  ])('refuses %j with a message naming the setting', (override, message) => {
    expect(() => validateConfig({ ...valid, ...override })).toThrow(message);
  });
});
