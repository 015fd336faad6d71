// Pure parsing and display of `WWW-Authenticate` challenges (RFC 7235), as registries send them on `GET /v2/`
// and on a manifest request. No I/O.

export interface AuthChallenge {
  /** Lower-cased scheme, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` header value(s) (RFC 7235): one or more challenges, each a scheme followed by
 * comma-separated `name=value` / `name="quoted \"value\""` parameters. Several challenges may share one
 * header value. A token68 after a scheme is kept as the parameter `token68`.
 */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const values = typeof header === 'string' ? [header] : header;
  const out: AuthChallenge[] = [];
  const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  for (const s of values) {
    const n = s.length;
    let i = 0;
    let cur: AuthChallenge | undefined;
    let justAfterScheme = false; // only whitespace since the current scheme: a token68 may follow
    const skipWs = () => {
      while (i < n && isWs(s[i])) i++;
    };
    while (i < n) {
      skipWs();
      if (s[i] === ',') {
        i++;
        justAfterScheme = false;
        continue;
      }
      if (i >= n) break;
      const start = i;
      while (i < n && !isWs(s[i]) && s[i] !== ',' && s[i] !== '=' && s[i] !== '"') i++;
      const tok = s.slice(start, i);
      if (tok === '') {
        i++; // stray '=' or '"'
        continue;
      }
      const afterTok = i;
      skipWs();
      if (s[i] === '=') {
        const eq = i;
        while (i < n && s[i] === '=') i++;
        const eqs = i - eq;
        skipWs();
        const valueFollows = i < n && s[i] !== ',';
        if (eqs > 1 || !valueFollows) {
          // token68 with '=' padding (`abc==`)
          if (cur && justAfterScheme) cur.params.token68 = tok + '='.repeat(eqs);
          justAfterScheme = false;
          continue;
        }
        let value = '';
        if (s[i] === '"') {
          i++;
          while (i < n && s[i] !== '"') {
            if (s[i] === '\\' && i + 1 < n) i++;
            value += s[i];
            i++;
          }
          i++; // closing quote
        } else {
          const vs = i;
          while (i < n && s[i] !== ',' && !isWs(s[i])) i++;
          value = s.slice(vs, i);
        }
        if (cur) cur.params[tok.toLowerCase()] = value;
        justAfterScheme = false;
      } else if (cur && justAfterScheme && (i >= n || s[i] === ',')) {
        cur.params.token68 = tok; // `Negotiate abc123`
        justAfterScheme = false;
      } else {
        i = afterTok;
        cur = { scheme: tok.toLowerCase(), params: {} };
        out.push(cur);
        justAfterScheme = true;
      }
    }
  }
  return out;
}

/** A challenge as the step details show it: `Bearer realm="…",service="…"`, or `none`. */
export function challengeText(c: AuthChallenge | undefined): string {
  if (!c) return 'none';
  const p = Object.entries(c.params)
    .filter(([k]) => k !== 'token68')
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${c.scheme[0]?.toUpperCase() ?? ''}${c.scheme.slice(1)}${p ? ' ' + p : ''}`;
}
