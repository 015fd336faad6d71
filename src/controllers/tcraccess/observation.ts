// What the reconcile learnt from the cloud, kept between steps (types only): read by status.ts, written by cloud.ts.
import type { Instance } from '../../cloud/tencent/port.ts';
import type { ConditionInput } from '../../k8s/conditions.ts';
import type { NetworkStatus } from './network.ts';
import type { CredentialsStatus } from './tokens.ts';

export interface CloudObservation {
  /** The TcrAccess (by UID) and generation this was observed for. */
  uid: string;
  generation: number;
  /** resourceVersions of what the step read (cloud credentials, token Secret): a change re-runs it. */
  inputs?: string;
  /** When the cloud should be looked at again (epoch ms). */
  nextAt: number;
  instance?: Instance;
  /** Custom domains of the instance (looked up only when registry.server is not one of its standard domains). */
  customDomains?: string[];
  /** registry.server derived from the instance when the spec leaves it out. */
  server?: string;
  network?: ConditionInput;
  networkStatus?: NetworkStatus;
  /** Set when the token is not usable. */
  credentials?: ConditionInput;
  credentialsStatus?: CredentialsStatus;
}
