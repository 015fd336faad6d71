// The CustomResourceDefinition of TcrAccess, built from the schema. Used by scripts/generate-crd.ts
// (writes crds/) and by tests that compare the two.
import { stringify } from 'yaml';
import { TcrAccessSpec, TcrAccessStatus } from './schema.ts';
import { Group, Kind, Plural, ShortNames, Singular, Version } from './types.ts';

/** Deep copy through JSON: drops TypeBox's non-JSON markers, keeps plain JSON Schema. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export function crdObject() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${Plural}.${Group}`,
      labels: { 'app.kubernetes.io/name': 'tcr-access-operator', 'app.kubernetes.io/part-of': 'tcr-access-operator' },
    },
    spec: {
      group: Group,
      names: { kind: Kind, listKind: `${Kind}List`, plural: Plural, singular: Singular, shortNames: ShortNames, categories: ['tcr'] },
      scope: 'Cluster',
      versions: [
        {
          name: Version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
            { name: 'Secrets', type: 'integer', jsonPath: '.status.secrets.ready', description: 'Namespaces with an up-to-date Secret' },
            { name: 'Desired', type: 'integer', jsonPath: '.status.secrets.desired', description: 'Selected namespaces' },
            { name: 'Network', type: 'string', jsonPath: '.status.network.mode', description: 'Network mode in effect (status, not spec)' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            { name: 'Server', type: 'string', jsonPath: '.status.server', priority: 1, description: 'Registry address the Secrets are rendered for' },
            { name: 'Expires', type: 'string', format: 'date-time', jsonPath: '.status.credentials.expiresAt', priority: 1, description: 'When the current instance token expires' },
            { name: 'Message', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
          ],
          schema: {
            openAPIV3Schema: {
              description: 'TcrAccess makes a Tencent Container Registry usable from this cluster: image-pull Secrets across namespaces, network reachability, and diagnosis.',
              type: 'object',
              required: ['spec'],
              'x-kubernetes-validations': [
                { rule: 'size(self.metadata.name) <= 63', message: 'the TcrAccess name must be at most 63 characters: it is used as a label value' },
              ],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: plain(TcrAccessSpec),
                status: plain(TcrAccessStatus),
              },
            },
          },
        },
      ],
    },
  };
}

export function crdYaml(): string {
  return '# Generated from src/api/v1alpha1/schema.ts by `npm run generate`. Do not edit.\n' + stringify(crdObject(), { lineWidth: 0 });
}
