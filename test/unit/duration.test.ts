import assert from 'node:assert/strict';
import { parseDuration } from '../../src/k8s/duration.ts';

describe('parseDuration', () => {
  const valid: Array<[string, number]> = [
    ['500ms', 500],
    ['0ms', 0],
    ['0s', 0],
    ['1s', 1000],
    ['15s', 15_000],
    ['1.5s', 1500],
    ['10m', 600_000],
    ['1m', 60_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2h45m30s', 9_930_000],
    ['1m500ms', 60_500],
    ['1s1ms', 1001],
    ['0.5h', 1_800_000],
    ['720h', 2_592_000_000],
  ];
  for (const [s, ms] of valid) it(`"${s}" → ${ms}`, () => assert.equal(parseDuration(s), ms));

  const invalid = ['', '10', 's', 'ms', '10x', '10 s', ' 10s', '10s ', '-1s', '+1s', '1.s', '.5s', '1d', '1S', '1H', '1s10', 'abc1s', '1sx', '1h 30m', '1µs'];
  for (const s of invalid) {
    it(`rejects ${JSON.stringify(s)}`, () => assert.throws(() => parseDuration(s), (e: Error) => e.message.includes(`invalid duration "${s}"`)));
  }
});
