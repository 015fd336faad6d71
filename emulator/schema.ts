// Request validation, typed against the SDK's own request interfaces.
//
// An ObjectSchema<Req> must name exactly the keys of the SDK type Req (a missing or misspelt key fails to
// compile), give each a wire type compatible with the SDK field type, and mark it required exactly when the
// SDK marks it required. At run time the schema checks presence (MissingParameter), JSON types
// (InvalidParameter) and, optionally, unknown keys (UnknownParameter).

import { ApiError } from './errors.ts';

type Bare<V> = Exclude<V, undefined | null>;

/** The wire types a field may take, chosen from the SDK type of the field. */
export type FieldSpec<V> = [Bare<V>] extends [string]
  ? /** numeric-string: VPC's `Offset?: string` accepts 10 and "10"; normalised to a string. */
    { type: 'string' | 'numeric-string' }
  : [Bare<V>] extends [number]
    ? { type: 'number' | 'integer' }
    : [Bare<V>] extends [boolean]
      ? { type: 'boolean' }
      : [Bare<V>] extends [ReadonlyArray<infer I>]
        ? [I] extends [string]
          ? { type: 'string[]' }
          : [I] extends [number]
            ? { type: 'number[]' }
            : [I] extends [object]
              ? { type: 'object[]'; items?: ObjectSchema<I> }
              : never
        : [Bare<V>] extends [object]
          ? { type: 'object'; fields?: ObjectSchema<Bare<V>> }
          : never;

type IsOptional<T, K extends keyof T> = object extends Pick<T, K> ? true : false;

export type ObjectSchema<T> = {
  readonly [K in keyof T]-?: FieldSpec<T[K]> & { required: IsOptional<T, K> extends true ? false : true };
};

// ---- run time ----

type WireType = 'string' | 'numeric-string' | 'number' | 'integer' | 'boolean' | 'string[]' | 'number[]' | 'object[]' | 'object';

interface RuntimeField {
  type: WireType;
  required: boolean;
  items?: RuntimeSchema;
  fields?: RuntimeSchema;
}

export type RuntimeSchema = Readonly<Record<string, RuntimeField>>;

export function runtimeSchema<T>(schema: ObjectSchema<T>): RuntimeSchema {
  return schema as unknown as RuntimeSchema;
}

export interface ValidateOptions {
  /** Reject keys the SDK type does not declare (UnknownParameter). */
  strictUnknown: boolean;
  /** VPC reports close misspellings as UnknownParameter.WithGuess. */
  guessCode: boolean;
}

/** Levenshtein distance, for "did you mean" guesses. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOk(type: WireType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'numeric-string':
      return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'number[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'object[]':
      return Array.isArray(v) && v.every(isPlainObject);
    case 'object':
      return isPlainObject(v);
  }
}

const TYPE_NAMES: Record<WireType, string> = {
  string: 'String',
  'numeric-string': 'String',
  number: 'Float',
  integer: 'Integer',
  boolean: 'Boolean',
  'string[]': 'Array of String',
  'number[]': 'Array of Integer',
  'object[]': 'Array of Object',
  object: 'Object',
};

function validateObject(schema: RuntimeSchema, input: Record<string, unknown>, opts: ValidateOptions, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts.strictUnknown) {
    for (const key of Object.keys(input)) {
      if (Object.hasOwn(schema, key)) continue;
      const guess = Object.keys(schema).find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
      if (guess && opts.guessCode) {
        throw new ApiError('UnknownParameter.WithGuess', `The parameter \`${prefix}${key}\` is not recognized. Did you mean \`${prefix}${guess}\`?`);
      }
      throw new ApiError('UnknownParameter', `The parameter \`${prefix}${key}\` is not recognized.`);
    }
  }
  for (const [key, field] of Object.entries(schema)) {
    const name = `${prefix}${key}`;
    const v = input[key];
    if (v === undefined || v === null) {
      if (field.required) throw new ApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
      continue;
    }
    if (!typeOk(field.type, v)) {
      throw new ApiError('InvalidParameter', `The value type of parameter \`${name}\` is not valid; expected ${TYPE_NAMES[field.type]}.`);
    }
    if (field.type === 'numeric-string') {
      out[key] = String(v);
    } else if (field.type === 'object[]' && field.items && Array.isArray(v)) {
      const items = field.items;
      out[key] = v.map((item: Record<string, unknown>, i) => validateObject(items, item, opts, `${name}.${i}.`));
    } else if (field.type === 'object' && field.fields && isPlainObject(v)) {
      out[key] = validateObject(field.fields, v, opts, `${name}.`);
    } else {
      out[key] = v;
    }
  }
  if (!opts.strictUnknown) {
    for (const [key, v] of Object.entries(input)) if (!Object.hasOwn(out, key) && !Object.hasOwn(schema, key)) out[key] = v;
  }
  return out;
}

/** Validate a parsed JSON body against a schema; returns a normalised copy. */
export function validate(schema: RuntimeSchema, input: unknown, opts: ValidateOptions): unknown {
  if (!isPlainObject(input)) throw new ApiError('InvalidParameter', 'The request body must be a JSON object.');
  return validateObject(schema, input, opts, '');
}
