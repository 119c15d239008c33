/**
 * Schema classes of kubernetes-models by apiVersion and kind: the core API (kubernetes-models 4.x,
 * the last line that supports Node 20), the Gateway API (@kubernetes-models/gateway-api, ESM only)
 * and GKE's CRDs (@kubernetes-models/gke: networking.gke.io). `validate()` throws on a wrong type,
 * a missing required field or a bad enum value; these schemas do NOT reject unknown fields, so a
 * misspelt optional field passes (the tests check the fields that matter by value).
 */
import { createRequire } from 'node:module';

export interface KubernetesModel {
  new (data: unknown): { validate(): void };
}

/** Kinds no package on the registry here describes; the tests check them by hand. */
export const UNVALIDATED_KINDS = new Set(['autoscaling.k8s.io/v1/VerticalPodAutoscaler', 'monitoring.googleapis.com/v1/PodMonitoring']);

const require = createRequire(import.meta.url);

function modulePath(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (group === 'gateway.networking.k8s.io') return `@kubernetes-models/gateway-api/${group}/${version}/${kind}`;
  if (group.endsWith('.gke.io')) return `@kubernetes-models/gke/${group}/${version}/${kind}`;
  return `kubernetes-models/${group}/${version}/${kind}`;
}

/** Loads the classes of the given objects' kinds once (the Gateway API package is ESM only). */
export async function loadKubernetesModels(objects: readonly { apiVersion: string; kind: string }[]): Promise<(apiVersion: string, kind: string) => KubernetesModel | undefined> {
  const models = new Map<string, KubernetesModel | undefined>();
  for (const { apiVersion, kind } of objects) {
    const key = `${apiVersion}/${kind}`;
    if (models.has(key) || UNVALIDATED_KINDS.has(key)) continue;
    const path = modulePath(apiVersion, kind);
    let exports: Record<string, KubernetesModel> | undefined;
    try {
      exports = path?.startsWith('@kubernetes-models/gateway-api/') ? ((await import(path)) as Record<string, KubernetesModel>) : (require(path as string) as Record<string, KubernetesModel>);
    } catch {
      exports = undefined;
    }
    models.set(key, exports?.[kind]);
  }
  return (apiVersion, kind) => models.get(`${apiVersion}/${kind}`);
}
