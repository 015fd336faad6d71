// TypeScript types of the TcrAccess API, derived from the schema (schema.ts): one source, no drift.
import type Type from 'typebox';
import type * as S from './schema.ts';

export const Group = 'tcr.tke.dev';
export const Version = 'v1alpha1';
export const ApiVersion = `${Group}/${Version}`;
export const Kind = 'TcrAccess';
export const Plural = 'tcraccesses';
export const Singular = 'tcraccess';
export const ShortNames = ['tcra'];

export type TcrAccessSpec = Type.Static<typeof S.TcrAccessSpec>;
export type TcrAccessStatus = Type.Static<typeof S.TcrAccessStatus>;
export type Condition = Type.Static<typeof S.Condition>;
export type SecretReference = Type.Static<typeof S.SecretReference>;
export type LabelSelector = Type.Static<typeof S.LabelSelector>;
export type NetworkMode = NonNullable<TcrAccessSpec['network']>['mode'];

export interface ObjectMeta {
  name: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}

export interface TcrAccess {
  apiVersion: typeof ApiVersion;
  kind: typeof Kind;
  metadata: ObjectMeta;
  spec: TcrAccessSpec;
  status?: TcrAccessStatus;
}

/** Set to a new value (e.g. a timestamp) to re-check everything now: Secrets, the cloud step, the probe. */
export const ForceSyncAnnotation = 'tcr.tke.dev/force-sync';
/** Set to a new value to mint a new instance token now (through the same guard as scheduled rotation). */
export const RotateAnnotation = 'tcr.tke.dev/rotate';

/** Defaults the API server does not apply (kept out of the schema so Argo CD diffs stay clean). */
export const Defaults = {
  serviceAccounts: ['default'],
  networkMode: 'None' as NetworkMode,
  deletionPolicy: 'Retain' as const,
};
