// Condition types and reasons of TcrAccess. Reasons are one CamelCase word and part of the API:
// the Argo CD health check (manifests/argocd/health.lua) and users' alerts key on them.

export const ConditionType = {
  /** Credentials, Secrets and network are all ready. */
  Ready: 'Ready',
  /** The registry credentials could be read from their source. */
  CredentialsReady: 'CredentialsReady',
  /** Every selected namespace holds the image-pull Secret and every selected ServiceAccount references it. */
  SecretsReady: 'SecretsReady',
  /** The registry is reachable from the cluster's network (or the operator is told not to manage it). */
  NetworkReady: 'NetworkReady',
} as const;
export type ConditionTypeName = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  // Ready
  Ready: 'Ready',
  Deleting: 'Deleting',
  CleanupBlocked: 'CleanupBlocked',
  // CredentialsReady
  CredentialsResolved: 'CredentialsResolved',
  SourceNotAllowed: 'SourceNotAllowed',
  SourceSecretNotFound: 'SourceSecretNotFound',
  SourceSecretInvalid: 'SourceSecretInvalid',
  // SecretsReady
  SecretsSynced: 'SecretsSynced',
  SecretsProgressing: 'SecretsProgressing',
  SecretConflict: 'SecretConflict',
  ApplyFailed: 'ApplyFailed',
  WaitingForCredentials: 'WaitingForCredentials',
  // NetworkReady
  NetworkNotManaged: 'NetworkNotManaged',
  // any condition
  NotSupported: 'NotSupported',
  Unknown: 'Unknown',
} as const;
export type ReasonName = (typeof Reason)[keyof typeof Reason];

/**
 * Reasons that need a person to act (fix the spec, a Secret, permissions): Argo CD shows Degraded.
 * Every other non-Ready reason is transient (the operator keeps retrying): Argo CD shows Progressing.
 */
export const PermanentReasons: readonly ReasonName[] = [
  Reason.SourceNotAllowed,
  Reason.SourceSecretNotFound,
  Reason.SourceSecretInvalid,
  Reason.SecretConflict,
  Reason.NotSupported,
  Reason.CleanupBlocked,
];
