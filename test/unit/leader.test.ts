import assert from 'node:assert/strict';
import { microTime } from '../../src/k8s/leader.ts';

describe('leader: microTime', () => {
  const cases: Array<[string, string]> = [
    ['2024-05-01T10:00:00.123Z', '2024-05-01T10:00:00.123000Z'],
    ['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000000Z'],
    ['1970-01-01T00:00:00.001Z', '1970-01-01T00:00:00.001000Z'],
    ['2099-12-31T23:59:59.999Z', '2099-12-31T23:59:59.999000Z'],
  ];
  for (const [iso, want] of cases) it(`${iso} → ${want}`, () => assert.equal(microTime(new Date(iso)), want));

  it('always has six fractional digits and parses back to the same instant', () => {
    for (const ms of [0, 1, 999, 1_714_557_600_000, Date.now()]) {
      const s = microTime(new Date(ms));
      assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      assert.equal(Date.parse(s), ms);
    }
  });
});
