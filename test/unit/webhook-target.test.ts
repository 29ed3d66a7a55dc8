// The SSRF policy's pure parts (decision 0010): the address classifier, and the URL checks made
// when an admin saves an alert webhook URL (and again before each delivery).
import { cidrContains, classifyAddress, parseCidr, parseV6 } from '../../src/domain/network-address.js';
import { addressRefusal, checkWebhookUrl, STRICT_WEBHOOK_POLICY, type WebhookPolicy } from '../../src/domain/webhook-target.js';

describe('classifyAddress', () => {
  it.each([
    // IPv4
    ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['172.15.255.255', 'public'], ['172.32.0.0', 'public'], ['192.169.0.1', 'public'],
    ['169.254.169.254', 'link-local'], ['100.64.0.1', 'cgnat'], ['100.127.255.255', 'cgnat'], ['100.128.0.0', 'public'],
    ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'],
    ['192.0.2.1', 'reserved'], ['198.51.100.7', 'reserved'], ['203.0.113.9', 'reserved'], ['198.18.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'reserved'],
    // IPv6
    ['2606:4700:4700::1111', 'public'], ['2a00:1450:4001:81b::200e', 'public'], ['[2001:4860:4860::8888]', 'public'],
    ['::', 'unspecified'], ['::1', 'loopback'], ['[::1]', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'], ['::ffff:7f00:1', 'ipv4-mapped'], ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::ffff:169.254.169.254', 'ipv4-mapped'], ['::127.0.0.1', 'ipv4-mapped'],
    ['fc00::1', 'private'], ['fd12:3456:789a::1', 'private'], ['fec0::1', 'private'], ['64:ff9b:1::1', 'private'],
    ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'], ['ff05::1:3', 'multicast'],
    ['2001:db8::1', 'reserved'], ['2001::1', 'reserved'], ['2001:2::1', 'reserved'], ['3fff::1', 'reserved'],
    ['100::1', 'reserved'], ['4000::1', 'reserved'],
    // IPv6 forms that embed an IPv4 address are judged by it
    ['64:ff9b::7f00:1', 'loopback'], ['64:ff9b::8.8.8.8', 'public'], ['2002:7f00:1::1', 'loopback'], ['2002:a9fe:a9fe::', 'link-local'],
    ['2002:0808:0808::1', 'public'],
    // not addresses
    ['localhost', 'invalid'], ['2130706433', 'invalid'], ['0x7f000001', 'invalid'], ['1.2.3', 'invalid'], ['', 'invalid'], ['::g', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address).kind).toBe(kind);
  });

  it('parses every IPv6 spelling to the same groups', () => {
    const loop = [0, 0, 0, 0, 0, 0, 0, 1];
    expect(parseV6('::1')).toEqual(loop);
    expect(parseV6('0:0:0:0:0:0:0:1')).toEqual(loop);
    expect(parseV6('::0.0.0.1')).toEqual(loop);
    expect(parseV6('1:2:3:4:5:6:1.2.3.4')).toEqual([1, 2, 3, 4, 5, 6, 0x0102, 0x0304]);
    expect(parseV6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseV6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });

  it('matches CIDRs of both families', () => {
    const ten = parseCidr('10.0.0.0/8')!;
    expect(cidrContains(ten, '10.255.0.1')).toBe(true);
    expect(cidrContains(ten, '11.0.0.1')).toBe(false);
    expect(cidrContains(ten, '::ffff:10.1.2.3')).toBe(true);
    expect(cidrContains(parseCidr('192.168.1.17')!, '192.168.1.17')).toBe(true);
    expect(cidrContains(parseCidr('192.168.1.17')!, '192.168.1.18')).toBe(false);
    expect(cidrContains(parseCidr('fd00::/8')!, 'fd12::1')).toBe(true);
    expect(cidrContains(parseCidr('fd00::/8')!, 'fe80::1')).toBe(false);
    expect(cidrContains(parseCidr('fd00:1:2::/47')!, 'fd00:1:3::1')).toBe(true);
    expect(cidrContains(parseCidr('fd00:1:2::/48')!, 'fd00:1:3::1')).toBe(false);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('example.com')).toBeUndefined();
  });
});

describe('checkWebhookUrl (default policy: public https only)', () => {
  it.each([
    'https://hooks.example.com/seatgate?token=abc',
    'https://hooks.example.test/seatgate',
    'https://8.8.8.8/x',
    'https://[2606:4700:4700::1111]/x',
    'https://hooks.example.com:8443/x',
  ])('accepts %s', (url) => {
    expect(checkWebhookUrl(url, STRICT_WEBHOOK_POLICY)).toMatchObject({ ok: true });
  });

  it.each([
    ['http://hooks.example.com/x', /https:\/\//],
    ['ftp://hooks.example.com/x', /https:\/\//],
    ['not a url', /valid URL/],
    ['https://user:pass@hooks.example.com/x', /user name or password/],
    ['https://token@hooks.example.com/x', /user name or password/],
    ['https://127.0.0.1/x', /loopback/],
    ['https://127.1/x', /loopback/],
    ['https://2130706433/x', /loopback/], // decimal
    ['https://0x7f000001/x', /loopback/], // hex
    ['https://0177.0.0.1/x', /loopback/], // octal
    ['https://0x7f.1/x', /loopback/],
    ['https://localhost/x', /internal name/],
    ['https://LOCALHOST./x', /internal name/],
    ['https://app.localhost/x', /internal name/],
    ['https://169.254.169.254/latest/meta-data/', /link-local/],
    ['https://metadata.google.internal/computeMetadata/v1/', /internal name/],
    ['https://metadata/computeMetadata/v1/', /internal name/],
    ['https://printer.local/x', /internal name/],
    ['https://10.0.0.5/x', /private/],
    ['https://192.168.0.10:5432/x', /private/], // the database port on a private address
    ['https://172.20.1.1/x', /private/],
    ['https://100.100.100.200/x', /cgnat/], // Alibaba's metadata service
    ['https://0.0.0.0/x', /unspecified/],
    ['https://[::1]/x', /loopback/],
    ['https://[::ffff:127.0.0.1]/x', /ipv4-mapped/],
    ['https://[::ffff:a9fe:a9fe]/x', /ipv4-mapped/],
    ['https://[fd00::1]/x', /private/],
    ['https://[fe80::1]/x', /link-local/],
    ['https://[64:ff9b::a9fe:a9fe]/x', /link-local/],
    ['https://224.0.0.1/x', /multicast/],
  ])('refuses %s', (url, reason) => {
    const checked = checkWebhookUrl(url, STRICT_WEBHOOK_POLICY);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toMatch(reason);
  });
});

describe('operator allowances', () => {
  const lax: WebhookPolicy = { allowHttp: true, allowPrivateTargets: true, allowedTargets: [] };
  it('allowHttp and allowPrivateTargets open loopback and private targets, never userinfo or non-destinations', () => {
    expect(checkWebhookUrl('http://127.0.0.1:8080/x', lax).ok).toBe(true);
    expect(checkWebhookUrl('http://localhost:8080/x', lax).ok).toBe(true);
    expect(checkWebhookUrl('http://10.1.2.3/x', lax).ok).toBe(true);
    expect(checkWebhookUrl('http://u:p@127.0.0.1/x', lax).ok).toBe(false);
    expect(checkWebhookUrl('http://0.0.0.0/x', lax).ok).toBe(false);
    expect(checkWebhookUrl('http://224.0.0.1/x', lax).ok).toBe(false);
    expect(checkWebhookUrl('http://127.0.0.1/x', { ...STRICT_WEBHOOK_POLICY, allowHttp: true }).ok).toBe(false);
  });

  it('an allow-list opens named hosts and ranges only', () => {
    const policy: WebhookPolicy = { ...STRICT_WEBHOOK_POLICY, allowedTargets: ['hooks.corp.internal', '10.20.0.0/16'] };
    expect(checkWebhookUrl('https://hooks.corp.internal/x', policy).ok).toBe(true);
    expect(checkWebhookUrl('https://other.corp.internal/x', policy).ok).toBe(false);
    expect(checkWebhookUrl('https://10.20.3.4/x', policy).ok).toBe(true);
    expect(checkWebhookUrl('https://10.21.3.4/x', policy).ok).toBe(false);
    // At delivery: what a host resolves to must be public, or allowed for that host or range.
    expect(addressRefusal(policy, 'hooks.corp.internal', '10.99.0.1')).toBeUndefined();
    expect(addressRefusal(policy, 'hooks.example.com', '10.20.0.9')).toBeUndefined();
    expect(addressRefusal(policy, 'hooks.example.com', '10.99.0.1')).toMatch(/private/);
    expect(addressRefusal(policy, 'hooks.example.com', '8.8.8.8')).toBeUndefined();
    expect(addressRefusal(policy, 'hooks.corp.internal', '0.0.0.0')).toMatch(/unspecified/);
  });
});
