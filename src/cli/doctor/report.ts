// The doctor's report: the findings (one per container that cannot pull, each with its diagnosis and the
// TcrAccess context used), the --probe result, and the whole report that the text and JSON outputs render.
import type { Diagnosis, DiagnosisContext } from '../../diagnostics/classify.ts';
import type { ProbeResult } from '../../diagnostics/probe/types.ts';

/** What the diagnosis was told about the TcrAccess (from flags or read from a TcrAccess). */
export interface ContextSource extends DiagnosisContext {
  /** `flags`, `tcraccess/<name>`, or `none`. */
  source: string;
}

export interface Finding {
  namespace?: string;
  pod?: string;
  container?: string;
  initContainer?: boolean;
  image?: string;
  /** The container's waiting reason (ErrImagePull, ImagePullBackOff, ...) or the Event reason. */
  reason?: string;
  /** The message diagnosed (the most informative one found). */
  message: string;
  context: ContextSource;
  diagnosis: Diagnosis;
}

/** What was probed, and how (never the credentials themselves). */
export interface ProbeTarget {
  /** `host[:port]` probed. */
  registry: string;
  /** Where the registry came from: `--registry`, `tcraccess/<name>`, `--image`, `image <ref>`, `the message`. */
  from: string;
  plainHTTP: boolean;
  insecureSkipVerify: boolean;
  caFile?: string;
  /** Where plainHTTP / insecureSkipVerify / the CA came from: `flags`, `tcraccess/<name>` or `defaults`. */
  transportFrom: string;
  /** `none`, `--username/--password-stdin`, or `Secret <ns>/<name> (entry "<key>")`. */
  credentials: string;
  /** The manifest checked (`repo:tag`), with --image. */
  image?: string;
}

/** The probe's (scrubbed) result, what was probed, and whether it found a problem. */
export interface ProbeReport extends ProbeResult {
  target: ProbeTarget;
  /** The registry is unreachable, the credentials were refused, or the image is missing / denied. */
  problem: boolean;
  /** Other registries the findings name, not probed (pass --registry to probe one of them). */
  notProbed?: string[];
  note: string;
}

export interface Report {
  scope: { kind: 'message' } | { kind: 'pod'; namespace: string; pod: string } | { kind: 'namespace'; namespace: string; podsChecked: number } | { kind: 'allNamespaces'; podsChecked: number } | { kind: 'probe' };
  /** Nothing wrong: no finding, and (with --probe) no problem found by the probe. */
  healthy: boolean;
  findings: Finding[];
  notes: string[];
  /** With --probe. */
  probe?: ProbeReport;
}
