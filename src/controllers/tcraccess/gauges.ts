// Per-TcrAccess gauges from the status the reconciler computed: conditions, namespaces ready/desired and the
// credential timestamps (never the credentials). Dropped when the TcrAccess is gone.
import type { TcrAccessStatus } from '../../api/v1alpha1/types.ts';
import type { Metrics } from '../../k8s/metrics.ts';

const seconds = (iso: string | undefined): number | undefined => {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms / 1000 : undefined;
};

export function exportStatus(m: Metrics, name: string, status: TcrAccessStatus): void {
  m.setConditions(name, status.conditions ?? []);
  if (status.secrets) {
    m.namespacesDesired.set({ name }, status.secrets.desired);
    m.namespacesReady.set({ name }, status.secrets.ready);
  }
  const expires = seconds(status.credentials?.expiresAt);
  if (expires === undefined) m.credentialsExpiry.remove({ name });
  else m.credentialsExpiry.set({ name }, expires);
  const rotated = seconds(status.credentials?.rotatedAt);
  if (rotated === undefined) m.credentialsRotated.remove({ name });
  else m.credentialsRotated.set({ name }, rotated);
}

export function forgetAccess(m: Metrics, name: string): void {
  m.forgetConditions(name);
  for (const g of [m.namespacesDesired, m.namespacesReady, m.credentialsExpiry, m.credentialsRotated]) g.remove({ name });
  m.secretsManaged.remove({ tcraccess: name });
  m.conflicts.remove({ tcraccess: name });
}
