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

describe('first-start demo organization and production warnings', () => {
  it('demo.enabled is true, false or "auto" (also from the environment\'s text)', () => {
    for (const [value, parsed] of [[true, true], ['true', true], ['1', true], [false, false], ['false', false], ['0', false], ['auto', 'auto'], ['AUTO', 'auto']] as const) {
      expect(validateConfig({ ...valid, demo: { enabled: value } }).demo.enabled).toBe(parsed);
    }
    expect(() => validateConfig({ ...valid, demo: { enabled: 'sometimes' } })).toThrow(/demo\.enabled/);
  });

  it('"auto" creates the demo only in an interactive run outside production', async () => {
    const { demoWanted } = await import('../../src/server.js');
    const auto = validateConfig({ ...valid, demo: { enabled: 'auto' } });
    expect(demoWanted(auto, {}, true)).toBe(true); // npm start in a terminal
    expect(demoWanted(auto, { NODE_ENV: 'development' }, true)).toBe(true);
    expect(demoWanted(auto, {}, false)).toBe(false); // Docker, systemd: stdout is the log
    expect(demoWanted(auto, { NODE_ENV: 'production' }, true)).toBe(false);
    expect(demoWanted(validateConfig({ ...valid, demo: { enabled: true } }), { NODE_ENV: 'production' }, false)).toBe(true);
    expect(demoWanted(validateConfig({ ...valid, demo: { enabled: false } }), {}, true)).toBe(false);
  });

  it('warns in production when publicUrl is unset', async () => {
    const { startupWarnings } = await import('../../src/server.js');
    const config = validateConfig(valid);
    expect(startupWarnings(config, { NODE_ENV: 'production' })).toEqual([expect.stringMatching(/server\.publicUrl \(SEATGATE_PUBLIC_URL\) is not set/)]);
    expect(startupWarnings(config, {})).toEqual([]);
    expect(startupWarnings(validateConfig({ ...valid, server: { ...valid.server, publicUrl: 'https://x.example' } }), { NODE_ENV: 'production' })).toEqual([]);
  });
});
