// Shared builders for the unit tests (not a test file itself).
import { ApiVersion, Kind, type TcrAccess, type TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';

type SpecOverrides = {
  [K in keyof TcrAccessSpec]?: Partial<TcrAccessSpec[K]>;
};

/** A TcrAccess with sensible defaults; nested spec parts are shallow-merged over the defaults. */
export function makeAccess(over: { name?: string; uid?: string; generation?: number; spec?: SpecOverrides; status?: TcrAccess['status'] } = {}): TcrAccess {
  const s = over.spec ?? {};
  const spec: TcrAccessSpec = {
    registry: { server: 'demo.tencentcloudcr.com', ...s.registry },
    credentials: { secretRef: { namespace: 'tcr-system', name: 'tcr-creds' }, ...s.credentials },
    imagePullSecret: {
      name: 'tcr-pull',
      ...s.imagePullSecret,
      namespaces: { ...(s.imagePullSecret?.namespaces ?? { names: ['team-a'] }) },
    },
  };
  if (s.network) spec.network = s.network as TcrAccessSpec['network'];
  const access: TcrAccess = {
    apiVersion: ApiVersion,
    kind: Kind,
    metadata: { name: over.name ?? 'demo', uid: over.uid ?? 'uid-demo-1', generation: over.generation ?? 1 },
    spec,
  };
  if (over.status) access.status = over.status;
  return access;
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
