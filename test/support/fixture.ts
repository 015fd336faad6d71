// A shared fixture for operator integration tests: the control plane, the operator's RBAC from
// manifests/, an admin client, and helpers to create namespaces, Secrets and TcrAccess objects.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { TcrAccess, TcrAccessSpec } from '../../src/api/v1alpha1/types.ts';
import { isNotFound, type KubeClient } from '../../src/k8s/client.ts';
import { REPO_ROOT, type ControlPlane } from './controlplane.ts';
import { adminClient, applyObjects, b64, readYamlObjects } from './kube.ts';
import { getControlPlane } from './shared-controlplane.ts';
import { startOperator, type OperatorProcess } from './operator.ts';

export const OPERATOR_NS = 'tcr-system';
export const OPERATOR_SA = 'tcr-access-operator';
const RBAC_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

export interface Fixture {
  cp: ControlPlane;
  admin: KubeClient;
  /** Kubeconfig file of the operator's ServiceAccount (RBAC exactly as in manifests/). */
  operatorKubeconfig: string;
}

let fixture: Promise<Fixture> | undefined;

export function getFixture(): Promise<Fixture> {
  fixture ??= getControlPlane().then(fixtureOn);
  return fixture;
}

/** The operator's RBAC from manifests/ (the base and the ClusterDefault Role in kube-system) on `cp`, and a kubeconfig of its ServiceAccount. */
export async function fixtureOn(cp: ControlPlane): Promise<Fixture> {
  const rbac = ['manifests', 'manifests/cluster-default']
    .flatMap((dir) => readdirSync(path.join(REPO_ROOT, dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').map((f) => path.join(REPO_ROOT, dir, f)))
    .flatMap((f) => readYamlObjects(f))
    .filter((o) => RBAC_KINDS.has(o.kind!));
  assert.ok(rbac.some((o) => o.kind === 'ClusterRole'), 'manifests/ must define the operator ClusterRole');
  await applyObjects(cp.kubeConfig, rbac);
  const { path: operatorKubeconfig } = await cp.kubeConfigFor(OPERATOR_NS, OPERATOR_SA);
  return { cp, admin: adminClient(cp.kubeConfig), operatorKubeconfig };
}

/** A ServiceAccount of its own bound to the given ClusterRoles of manifests/ (and, optionally, the Lease Role); its kubeconfig file. */
export async function operatorIdentity(f: Fixture, sa: string, clusterRoles: string[], lease: boolean): Promise<string> {
  const admin = f.admin;
  await admin.create(`/api/v1/namespaces/${OPERATOR_NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } });
  const subjects = [{ kind: 'ServiceAccount', name: sa, namespace: OPERATOR_NS }];
  for (const role of clusterRoles) {
    await admin.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `${sa}-${role}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects,
    });
  }
  if (lease) {
    await admin.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${OPERATOR_NS}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${sa}-lease` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tcr-access-operator-leader-election' }, subjects,
    });
  }
  return (await f.cp.kubeConfigFor(OPERATOR_NS, sa)).path;
}

export function runOperator(f: Fixture, args: string[] = []): OperatorProcess {
  return startOperator({ kubeconfig: f.operatorKubeconfig, namespace: OPERATOR_NS, args });
}

export async function createNamespace(admin: KubeClient, name: string, labels: Record<string, string> = {}, serviceAccounts = ['default']): Promise<void> {
  await admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  for (const sa of serviceAccounts) {
    await admin.create(`/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } });
  }
}

export async function putSourceSecret(admin: KubeClient, ns: string, name: string, data: Record<string, string>): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
  try {
    await admin.create(`/api/v1/namespaces/${ns}/secrets`, body);
  } catch {
    await admin.replace(`/api/v1/namespaces/${ns}/secrets/${name}`, body);
  }
}

export const accessPath = (name: string) => `/apis/tcr.tke.dev/v1alpha1/tcraccesses/${name}`;

export async function createAccess(admin: KubeClient, name: string, spec: TcrAccessSpec): Promise<TcrAccess> {
  return admin.create<TcrAccess>('/apis/tcr.tke.dev/v1alpha1/tcraccesses', { apiVersion: 'tcr.tke.dev/v1alpha1', kind: 'TcrAccess', metadata: { name }, spec });
}

export async function getAccess(admin: KubeClient, name: string): Promise<TcrAccess> {
  return admin.get<TcrAccess>(accessPath(name));
}

export const condition = (a: TcrAccess, type: string) => a.status?.conditions?.find((c) => c.type === type);

export async function getOrUndefined<T>(admin: KubeClient, p: string): Promise<T | undefined> {
  try {
    return await admin.get<T>(p);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export interface SecretObj {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; ownerReferences?: Array<{ uid: string }>; labels?: Record<string, string> };
  type: string;
  data: Record<string, string>;
}
export interface SAObj {
  metadata: { name: string; namespace: string; resourceVersion: string; annotations?: Record<string, string> };
  imagePullSecrets?: Array<{ name: string }>;
}
