// The live registry probe's public shapes: its options, the timed steps it records and the three verdicts
// (reachable, credentials, image) it returns. Types only, plus the default per-step timeout.

export type ReachableReason =
  | 'Reachable'
  | 'DnsFailed'
  | 'ConnectFailed'
  | 'TlsFailed'
  | 'UntrustedCertificate'
  | 'PlainHttpMismatch'
  | 'Timeout'
  /** The address itself is invalid (reported by callers that catch probeRegistry's throw). */
  | 'InvalidServer';
export type CredentialsReason = 'CredentialsAccepted' | 'CredentialsRejected' | 'NoCredentials' | 'AuthServiceFailed' | 'NotChecked';
export type ImageReason = 'ImageFound' | 'ImageNotFound' | 'ImageAccessDenied' | 'NotChecked';

export interface ProbeOptions {
  /** Registry address `host[:port]` (no scheme, no path). */
  server: string;
  plainHTTP?: boolean;
  insecureSkipVerify?: boolean;
  /** Extra trusted CA certificate(s), PEM; added to the default trust store. */
  ca?: string;
  username?: string;
  password?: string;
  /** `repo[:tag|@digest]` (a leading `<server>/` is accepted) for a manifest HEAD. */
  image?: string;
  /** Per step (DNS, each TCP connect, TLS handshake, each HTTP request). Default 5000. */
  timeoutMs?: number;
  /** Replaces the system resolver (getaddrinfo) for the registry host and a token realm's host. */
  resolver?: (host: string) => Promise<string[]>;
}

export type ProbeStepName = 'dns' | 'tcp' | 'tls' | 'http' | 'token' | 'auth' | 'manifest';

export interface ProbeStep {
  step: ProbeStepName;
  ok: boolean;
  /** Duration in milliseconds (rounded to 0.1 ms). */
  ms: number;
  detail: string;
}

export interface ProbeAddress {
  ip: string;
  /** RFC 1918, 100.64.0.0/10 (CGNAT, used by TCR private links), loopback, link-local, IPv6 ULA. */
  private: boolean;
}

export interface ProbeVerdict<R extends string, S> {
  status: S;
  reason: R;
  message: string;
}

export interface ProbeResult {
  reachable: ProbeVerdict<ReachableReason, boolean>;
  credentials: ProbeVerdict<CredentialsReason, boolean | undefined>;
  /** Present when `image` was given. */
  image?: ProbeVerdict<ImageReason, boolean | undefined>;
  steps: ProbeStep[];
  addresses: ProbeAddress[];
}

export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

/** Appends a step to the result (the probe's steps are recorded through this, in order). */
export type StepRecorder = (step: ProbeStepName, ok: boolean, ms: number, detail: string) => void;
