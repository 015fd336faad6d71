// Go-style durations for flags: "500ms", "15s", "10m", "1h30m".
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    if (m.index !== consumed) break;
    consumed += m[0].length;
    const n = Number(m[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  if (consumed === 0 || consumed !== s.length) throw new Error(`invalid duration "${s}": use e.g. 500ms, 15s, 10m, 1h`);
  return total;
}
