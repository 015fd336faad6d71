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
  // CredentialsReady (instance tokens)
  TokenIssued: 'TokenIssued',
  TokenProvisioning: 'TokenProvisioning',
  WaitingForInstance: 'WaitingForInstance',
  /** CredentialsReady stays True: rotationPeriod is below --min-token-rotation-period, the minimum is used. */
  RotationPeriodTooShort: 'RotationPeriodTooShort',
  /** registry.server is not a domain of the instance whose token would be sent there. */
  ServerNotInstanceDomain: 'ServerNotInstanceDomain',
  /** The TcrAccess has no cloudCredentials and --cloud-ambient-credentials=false. */
  AmbientCredentialsDisabled: 'AmbientCredentialsDisabled',
  // NetworkReady
  NetworkNotManaged: 'NetworkNotManaged',
  PrivateLinkReady: 'PrivateLinkReady',
  PublicAccessReady: 'PublicAccessReady',
  InstanceNotFound: 'InstanceNotFound',
  InstanceNotRunning: 'InstanceNotRunning',
  LinkProvisioning: 'LinkProvisioning',
  DnsPending: 'DnsPending',
  DnsFailed: 'DnsFailed',
  EditionUnsupported: 'EditionUnsupported',
  EndpointOpening: 'EndpointOpening',
  NatGatewayNotFound: 'NatGatewayNotFound',
  NatGatewayPending: 'NatGatewayPending',
  NatGatewayFailed: 'NatGatewayFailed',
  InvalidNetworkSpec: 'InvalidNetworkSpec',
  SubnetNotFound: 'SubnetNotFound',
  /** InvalidVpcId.NotFound: wrong ID, or a VPC in another region than the registry. */
  VpcNotFound: 'VpcNotFound',
  DefaultRouteConflict: 'DefaultRouteConflict',
  SharedRouteTable: 'SharedRouteTable',
  RoutePending: 'RoutePending',
  WhitelistUpdated: 'WhitelistUpdated',
  /** Warning Event only: 0.0.0.0/0 was put on the whitelist. */
  WhitelistOpenToAll: 'WhitelistOpenToAll',
  // cloud API failures (NetworkReady or CredentialsReady)
  CloudAuthFailed: 'CloudAuthFailed',
  CloudThrottled: 'CloudThrottled',
  CloudUnavailable: 'CloudUnavailable',
  CloudQuotaExceeded: 'CloudQuotaExceeded',
  CloudRequestInvalid: 'CloudRequestInvalid',
  NoCloudCredentials: 'NoCloudCredentials',
  // any condition
  /** A spec value the API server let through (no CEL, or stored before a rule existed) fails the schema. */
  InvalidSpec: 'InvalidSpec',
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
  Reason.InvalidSpec,
  Reason.ServerNotInstanceDomain,
  Reason.AmbientCredentialsDisabled,
  Reason.CleanupBlocked,
  Reason.InstanceNotFound,
  Reason.DnsFailed,
  Reason.EditionUnsupported,
  Reason.NatGatewayNotFound,
  Reason.NatGatewayFailed,
  Reason.InvalidNetworkSpec,
  Reason.SubnetNotFound,
  Reason.VpcNotFound,
  Reason.DefaultRouteConflict,
  Reason.SharedRouteTable,
  Reason.CloudAuthFailed,
  Reason.CloudQuotaExceeded,
  Reason.CloudRequestInvalid,
  Reason.NoCloudCredentials,
];
