// Pure parts of the registry probe: WWW-Authenticate challenges, private-address detection, server and
// image-reference parsing.
import assert from 'node:assert/strict';
import { isPrivateAddress, parseImageReference, parseServer } from '../../../src/diagnostics/probe/address.ts';
import { parseWwwAuthenticate } from '../../../src/diagnostics/probe/challenge.ts';

describe('probe: parseWwwAuthenticate', () => {
  it('parses a distribution/Harbor Bearer challenge with quoted parameters', () => {
    const c = parseWwwAuthenticate('Bearer realm="https://tcr.example.com/service/token",service="harbor-registry",scope="repository:ns/app:pull"');
    assert.deepEqual(c, [
      {
        scheme: 'bearer',
        params: { realm: 'https://tcr.example.com/service/token', service: 'harbor-registry', scope: 'repository:ns/app:pull' },
      },
    ]);
  });

  it('keeps commas inside quoted values and lower-cases scheme and parameter names', () => {
    const c = parseWwwAuthenticate('BEARER Realm="https://a/token", Service="reg", Scope="repository:a:pull,push", error="insufficient_scope"');
    assert.equal(c.length, 1);
    assert.equal(c[0]?.scheme, 'bearer');
    assert.deepEqual(c[0]?.params, { realm: 'https://a/token', service: 'reg', scope: 'repository:a:pull,push', error: 'insufficient_scope' });
  });

  it('parses Basic, unquoted values, whitespace around "=" and escaped quotes', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    assert.deepEqual(parseWwwAuthenticate('Basic realm = registry , charset="UTF-8"'), [{ scheme: 'basic', params: { realm: 'registry', charset: 'UTF-8' } }]);
    assert.deepEqual(parseWwwAuthenticate('Basic realm="say \\"hi\\""'), [{ scheme: 'basic', params: { realm: 'say "hi"' } }]);
  });

  it('splits several challenges in one value and across values', () => {
    const one = parseWwwAuthenticate('Basic realm="r1", Bearer realm="https://t/token",service="s"');
    assert.deepEqual(
      one.map((c) => c.scheme),
      ['basic', 'bearer'],
    );
    assert.deepEqual(one[1]?.params, { realm: 'https://t/token', service: 's' });
    const many = parseWwwAuthenticate(['Negotiate', 'Bearer realm="x"']);
    assert.deepEqual(many, [
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { realm: 'x' } },
    ]);
  });

  it('keeps a token68 and tolerates empty or malformed input', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc123=='), [{ scheme: 'negotiate', params: { token68: 'abc123==' } }]);
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc123, Basic realm="r"'), [
      { scheme: 'negotiate', params: { token68: 'abc123' } },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate(' , ,'), []);
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="unterminated'), [{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
  });
});

describe('probe: isPrivateAddress', () => {
  const cases: Array<[string, boolean]> = [
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.254', true],
    ['172.15.0.1', false],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['192.169.1.1', false],
    ['100.64.0.1', true], // shared address space (TCR private links use it)
    ['100.127.255.255', true],
    ['100.63.255.255', false],
    ['100.128.0.0', false],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['169.254.1.1', true],
    ['8.8.8.8', false],
    ['203.0.113.7', false],
    ['1.2.3.4', false],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['fd00::1', true],
    ['fc12:3456::1', true],
    ['fe80::1%eth0', true],
    ['2001:db8::1', false],
    ['2402:4e00::1', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:8.8.8.8', false],
    ['::ffff:a01:203', true], // ::ffff:10.1.2.3 in hex
    ['::', false],
    ['not-an-ip', false],
    ['', false],
  ];
  for (const [ip, want] of cases) {
    it(`${ip || '(empty)'} → ${want ? 'private' : 'public'}`, () => assert.equal(isPrivateAddress(ip), want));
  }
});

describe('probe: parseServer', () => {
  it('defaults the port by scheme and keeps the Host header as written', () => {
    assert.deepEqual(parseServer('prod.tencentcloudcr.com'), { host: 'prod.tencentcloudcr.com', port: 443, hostHeader: 'prod.tencentcloudcr.com' });
    assert.deepEqual(parseServer('registry.local', true), { host: 'registry.local', port: 80, hostHeader: 'registry.local' });
    assert.deepEqual(parseServer('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000, hostHeader: '127.0.0.1:5000' });
    assert.deepEqual(parseServer('[::1]:5000'), { host: '::1', port: 5000, hostHeader: '[::1]:5000' });
    assert.deepEqual(parseServer('[::1]'), { host: '::1', port: 443, hostHeader: '[::1]' });
  });

  it('rejects schemes, paths, user info and bad ports without echoing the input', () => {
    for (const bad of ['https://r.example.com', 'r.example.com/v2', 'user:secretpw@r.example.com', 'r.example.com:0', 'r.example.com:70000', '', '-bad.example.com', '[zz::1]:5000']) {
      assert.throws(
        () => parseServer(bad),
        (e: unknown) => e instanceof Error && /invalid registry server/.test(e.message) && !e.message.includes('secretpw'),
        bad,
      );
    }
  });
});

describe('probe: parseImageReference', () => {
  it('parses repository, tag and digest', () => {
    assert.deepEqual(parseImageReference('ns/app'), { repository: 'ns/app', reference: 'latest', kind: 'tag' });
    assert.deepEqual(parseImageReference('ns/app:v1.2'), { repository: 'ns/app', reference: 'v1.2', kind: 'tag' });
    const d = 'sha256:' + 'a'.repeat(64);
    assert.deepEqual(parseImageReference(`ns/app@${d}`), { repository: 'ns/app', reference: d, kind: 'digest' });
    assert.deepEqual(parseImageReference(`ns/app:v1@${d}`), { repository: 'ns/app', reference: d, kind: 'digest' });
  });

  it('strips a leading server, including one with a port', () => {
    assert.deepEqual(parseImageReference('prod.tencentcloudcr.com/ns/app:v1', 'prod.tencentcloudcr.com'), { repository: 'ns/app', reference: 'v1', kind: 'tag' });
    assert.deepEqual(parseImageReference('127.0.0.1:5000/app:v1', '127.0.0.1:5000'), { repository: 'app', reference: 'v1', kind: 'tag' });
  });

  it('rejects invalid references', () => {
    for (const bad of ['', 'NS/App', 'ns//app', 'ns/app:', 'ns/app:-bad', 'ns/app@sha256:short', 'a b']) {
      assert.equal(parseImageReference(bad), undefined, bad);
    }
  });
});
