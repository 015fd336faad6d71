// The doctor command's inputs and how it ends: its flags (and the check of --registry), the I/O it is given,
// the exit codes, and UsageError (a problem with the invocation or its inputs: exit code 2).
import type { NetworkMode } from '../../diagnostics/classify.ts';

export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  readStdin: () => Promise<string>;
}

/** An error that stops the command before a diagnosis: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

export interface DoctorFlags extends ClusterFlags {
  message?: string;
  registry?: string;
  networkMode?: NetworkMode;
  tcraccess?: string;
  output: 'text' | 'json' | 'yaml';
  probe?: boolean;
  plainHttp?: boolean;
  insecureSkipVerify?: boolean;
  caFile?: string;
  username?: string;
  passwordStdin?: boolean;
  pullSecret?: string;
  image?: string;
}

/** `--registry` as `host[:port]`, lower-cased, without a scheme or trailing slash. */
export function validateRegistry(v: string): string {
  const s = v.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  if (!/^(?:[a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(s)) {
    throw new UsageError(`--registry must be host[:port], got "${v}"`);
  }
  return s;
}
