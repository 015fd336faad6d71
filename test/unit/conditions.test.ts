import assert from 'node:assert/strict';
import type { Condition } from '../../src/api/v1alpha1/types.ts';
import { MAX_MESSAGE, findCondition, setCondition, transitions, truncateMessage, type ConditionInput } from '../../src/k8s/conditions.ts';

const T1 = '2024-05-01T10:00:00Z';
const T2 = '2024-05-01T11:30:00Z';

const c = (type: string, status: Condition['status'], reason = 'R', lastTransitionTime = T1, message = 'm'): Condition => ({
  type,
  status,
  reason,
  message,
  observedGeneration: 1,
  lastTransitionTime,
});

describe('conditions: truncateMessage', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['short ASCII', 'hello'],
    ['exactly the limit', 'a'.repeat(MAX_MESSAGE)],
    ['one over the limit', 'a'.repeat(MAX_MESSAGE + 1)],
    ['long ASCII', 'x'.repeat(5000)],
    ['2-byte characters', 'é'.repeat(800)],
    ['3-byte characters', '密'.repeat(600)],
    ['3-byte characters exactly at the limit', 'a' + '密'.repeat(341)],
    ['4-byte characters (surrogate pairs)', '😀'.repeat(400)],
    ['4-byte characters after 1 ASCII', 'a' + '😀'.repeat(400)],
    ['4-byte characters after 2 ASCII', 'aa' + '😀'.repeat(400)],
    ['4-byte characters after 3 ASCII', 'aaa' + '😀'.repeat(400)],
    ['mixed', 'Secret team-a/ü 密码 😀 '.repeat(100)],
  ];
  for (const [name, input] of cases) {
    it(name, () => {
      const got = truncateMessage(input);
      assert.ok(Buffer.byteLength(got) <= MAX_MESSAGE, `${Buffer.byteLength(got)} bytes`);
      assert.ok(got.isWellFormed(), 'no lone surrogate (a split character)');
      if (Buffer.byteLength(input) <= MAX_MESSAGE) {
        assert.equal(got, input);
      } else {
        assert.ok(got.endsWith('...'));
        const kept = got.slice(0, -3);
        assert.ok(input.startsWith(kept), 'a prefix of the input');
        // as much as fits: the next whole character would overflow
        const next = String.fromCodePoint(input.codePointAt(kept.length)!);
        assert.ok(Buffer.byteLength(kept + next) > MAX_MESSAGE - 3, 'kept the longest prefix that fits');
      }
    });
  }
});

describe('conditions: setCondition', () => {
  const input = (type: string, status: ConditionInput['status'], reason = 'R', message = 'm'): ConditionInput => ({ type, status, reason, message });

  it('adds a new condition with now, generation and a truncated message', () => {
    const got = setCondition([], input('Ready', 'True', 'Ready', 'x'.repeat(2000)), 3, T2);
    assert.equal(got.length, 1);
    const r = got[0]!;
    assert.deepEqual({ ...r, message: undefined }, { type: 'Ready', status: 'True', reason: 'Ready', message: undefined, observedGeneration: 3, lastTransitionTime: T2 });
    assert.equal(Buffer.byteLength(r.message), MAX_MESSAGE);
  });

  const cases: Array<{ name: string; prev: Condition; next: ConditionInput; time: string }> = [
    { name: 'same status keeps the time', prev: c('Ready', 'True'), next: input('Ready', 'True'), time: T1 },
    { name: 'same status, new reason and message, keeps the time', prev: c('Ready', 'False', 'A'), next: input('Ready', 'False', 'B', 'other'), time: T1 },
    { name: 'True → False moves the time', prev: c('Ready', 'True'), next: input('Ready', 'False'), time: T2 },
    { name: 'False → Unknown moves the time', prev: c('Ready', 'False'), next: input('Ready', 'Unknown'), time: T2 },
  ];
  for (const k of cases) {
    it(k.name, () => {
      const other = c('Other', 'True', 'R', '2020-01-01T00:00:00Z');
      const existing = [k.prev, other];
      const got = setCondition(existing, k.next, 9, T2);
      const r = findCondition(got, 'Ready')!;
      assert.equal(r.lastTransitionTime, k.time);
      assert.equal(r.status, k.next.status);
      assert.equal(r.reason, k.next.reason);
      assert.equal(r.message, k.next.message);
      assert.equal(r.observedGeneration, 9);
      assert.equal(got.filter((x) => x.type === 'Ready').length, 1, 'no duplicate type');
      assert.deepEqual(findCondition(got, 'Other'), other, 'others untouched');
      assert.deepEqual(existing, [k.prev, other], 'input list not modified');
      assert.notEqual(got, existing);
    });
  }
});

describe('conditions: transitions', () => {
  const cases: Array<{ name: string; before: Condition[] | undefined; after: Condition[]; want: string[] }> = [
    { name: 'no previous list: every condition', before: undefined, after: [c('A', 'True'), c('B', 'False')], want: ['A', 'B'] },
    { name: 'nothing changed', before: [c('A', 'True'), c('B', 'False')], after: [c('A', 'True'), c('B', 'False')], want: [] },
    { name: 'new type', before: [c('A', 'True')], after: [c('A', 'True'), c('B', 'True')], want: ['B'] },
    { name: 'status flip', before: [c('A', 'True'), c('B', 'True')], after: [c('A', 'False'), c('B', 'True')], want: ['A'] },
    { name: 'reason change while not True', before: [c('A', 'False', 'X')], after: [c('A', 'False', 'Y')], want: ['A'] },
    { name: 'reason change while True is not a transition', before: [c('A', 'True', 'X')], after: [c('A', 'True', 'Y')], want: [] },
    { name: 'message or time change is not a transition', before: [c('A', 'False', 'X', T1, 'one')], after: [c('A', 'False', 'X', T2, 'two')], want: [] },
    { name: 'removed types are not reported', before: [c('A', 'True'), c('Gone', 'True')], after: [c('A', 'True')], want: [] },
  ];
  for (const k of cases) {
    it(k.name, () => assert.deepEqual(transitions(k.before, k.after).map((x) => x.type), k.want));
  }
});
