/**
 * Offline checks of deploy/kubernetes (no cluster here): each kustomization is built with
 * `kubectl kustomize` (the client binary only), every object it yields is validated against the
 * Kubernetes, Gateway API and GKE schemas (kubernetes-models), and the objects are checked
 * against each other and against botsieve itself: probes on the ports and paths the roles serve,
 * the configuration file parsed by botsieve's own loader for every role, grace periods above the
 * drain timeouts that configuration sets, and the Gateway's names equal to Terraform's.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type BotsieveConfig } from '@botsieve/cli';
import { parseAllDocuments } from 'yaml';
import { loadKubernetesModels, UNVALIDATED_KINDS, type KubernetesModel } from './test-support/kubernetes-models.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const KUSTOMIZE = join(REPO, 'deploy/kubernetes');
const LAYOUTS = ['base', 'overlays/all-in-one', 'overlays/gke'] as const;
const ROLES = ['ingest', 'detect', 'sink', 'decide'] as const;

type Json = any;

function kustomize(dir: string): Json[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(KUSTOMIZE, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('kubectl (client only) is needed to build the kustomizations: apt-get install kubectl');
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`);
  }
  return parseAllDocuments(out).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]?.message}`);
    return doc.toJS() as Json;
  });
}

const built = new Map<string, Json[]>(LAYOUTS.map((dir) => [dir, kustomize(dir)]));
const objects = (dir: string) => built.get(dir) as Json[];
const lagExample: Json = parseAllDocuments(readFileSync(join(KUSTOMIZE, 'examples/hpa-consumer-lag.example.yaml'), 'utf8'))[0]?.toJS();
const findModel = await loadKubernetesModels([...LAYOUTS.flatMap((dir) => objects(dir)), lagExample]);
function kubernetesModel(apiVersion: string, kind: string): KubernetesModel {
  const Model = findModel(apiVersion, kind);
  if (Model === undefined) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return Model;
}
const ofKind = (dir: string, kind: string) => objects(dir).filter((o) => o.kind === kind);
const named = (dir: string, kind: string, name: string) => objects(dir).find((o) => o.kind === kind && o.metadata.name === name);

/** The role a Deployment runs, from its `--role` argument (all four when absent). */
function rolesOf(deployment: Json): string[] {
  const args: string[] = deployment.spec.template.spec.containers[0].args;
  const at = args.indexOf('--role');
  return at === -1 ? [...ROLES] : (args[at + 1] as string).split(',');
}

/** botsieve's own loader on the mounted file, with the overlay's environment, for the roles given. */
function configOf(dir: string, deployment: Json): BotsieveConfig {
  const container = deployment.spec.template.spec.containers[0];
  const args: string[] = container.args;
  const file = args[args.indexOf('--config') + 1] as string;
  const mount = container.volumeMounts.find((m: Json) => file.startsWith(`${m.mountPath}/`));
  const volume = deployment.spec.template.spec.volumes.find((v: Json) => v.name === mount.name);
  const configMap = named(dir, 'ConfigMap', volume.configMap.name);
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const map = named(dir, 'ConfigMap', source.configMapRef.name);
    if (map === undefined && source.configMapRef.optional === true) continue;
    Object.assign(env, map.data);
  }
  // Literal values of the container's own env (after envFrom, as Kubernetes does); secrets are left out.
  for (const variable of container.env ?? []) if (typeof variable.value === 'string') env[variable.name] = variable.value;
  const tmp = mkdtempSync(join(tmpdir(), 'botsieve-k8s-'));
  try {
    const path = join(tmp, 'botsieve.json');
    writeFileSync(path, configMap.data[file.slice(mount.mountPath.length + 1)]);
    return loadConfig({ file: path, env, flags: {} });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test('every object of every layout is valid against its Kubernetes schema', (t) => {
  for (const dir of LAYOUTS) {
    for (const object of objects(dir)) {
      const where = `${dir}: ${object.kind}/${object.metadata?.name}`;
      if (UNVALIDATED_KINDS.has(`${object.apiVersion}/${object.kind}`)) continue;
      const Model = kubernetesModel(object.apiVersion, object.kind);
      t.notThrows(() => new Model(object).validate(), where);
    }
  }
});

test('the validator bites: wrong types are refused (unknown fields are not, see test-support/kubernetes-models.ts)', (t) => {
  const deployment = structuredClone(named('base', 'Deployment', 'botsieve-ingest'));
  const Model = kubernetesModel('apps/v1', 'Deployment');
  t.notThrows(() => new Model(deployment).validate());
  deployment.spec.template.spec.terminationGracePeriodSeconds = '90';
  t.throws(() => new Model(deployment).validate());
  const hpa = structuredClone(named('base', 'HorizontalPodAutoscaler', 'botsieve-ingest'));
  hpa.spec.metrics[0].resource.target.averageUtilization = '60%';
  t.throws(() => new (kubernetesModel('autoscaling/v2', 'HorizontalPodAutoscaler'))(hpa).validate());
});

test('kinds without a schema package here are checked by hand: VPA in recommendation mode, PodMonitoring on the admin port', (t) => {
  const deployments = new Set(ofKind('base', 'Deployment').map((d) => d.metadata.name));
  const vpas = ofKind('base', 'VerticalPodAutoscaler');
  t.deepEqual(new Set(vpas.map((v) => v.spec.targetRef.name)), deployments, 'one VPA per Deployment');
  for (const vpa of vpas) {
    t.is(vpa.apiVersion, 'autoscaling.k8s.io/v1');
    t.deepEqual(vpa.spec.updatePolicy, { updateMode: 'Off' });
    t.deepEqual(Object.keys(vpa.spec).sort(), ['targetRef', 'updatePolicy']);
  }
  const [monitor] = ofKind('overlays/gke', 'PodMonitoring');
  t.is(monitor.apiVersion, 'monitoring.googleapis.com/v1');
  t.deepEqual(monitor.spec.endpoints.map((e: Json) => [e.port, e.path]), [['admin', '/metrics']]);
});

test('layouts: base and gke run one Deployment per role on Kafka, all-in-one a single process on the embedded bus', (t) => {
  for (const dir of ['base', 'overlays/gke']) {
    t.deepEqual(ofKind(dir, 'Deployment').map((d) => rolesOf(d)).flat().sort(), [...ROLES].sort(), dir);
    for (const deployment of ofKind(dir, 'Deployment')) t.is(configOf(dir, deployment).bus.kind, 'kafka', `${dir} ${deployment.metadata.name}`);
  }
  const [single, ...more] = ofKind('overlays/all-in-one', 'Deployment');
  t.is(more.length, 0);
  t.deepEqual(rolesOf(single).sort(), [...ROLES].sort());
  t.is(single.spec.replicas, 1);
  t.is(single.spec.strategy.type, 'Recreate', 'two pods would be two separate pipelines');
  t.is(configOf('overlays/all-in-one', single).bus.kind, 'embedded');
  t.is(ofKind('overlays/all-in-one', 'HorizontalPodAutoscaler').length, 0);
});

test('every Deployment: probes on the ports and paths its roles serve, non-root, resources, zone spread, config in a ConfigMap', (t) => {
  for (const dir of LAYOUTS) {
    for (const deployment of ofKind(dir, 'Deployment')) {
      const where = `${dir} ${deployment.metadata.name}`;
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      const roles = rolesOf(deployment);
      const config = configOf(dir, deployment);
      const ports = new Map<string, number>(container.ports.map((p: Json) => [p.name, p.containerPort]));
      // The admin server serves /healthz (liveness) in every role; it must listen beyond loopback.
      t.is(ports.get('admin'), config.admin.port, `${where}: admin port`);
      t.is(config.admin.host, '0.0.0.0', `${where}: the kubelet cannot reach a loopback admin server`);
      for (const probe of ['livenessProbe', 'startupProbe']) t.deepEqual(container[probe].httpGet, { path: '/healthz', port: 'admin' }, `${where}: ${probe}`);
      // Readiness: ingest's own /readyz where ingest runs (what the Service and the Gateway send to),
      // else decide's (503 until its replica is rebuilt), else the admin server's.
      const readiness = roles.includes('ingest') ? 'ingest' : roles.includes('decide') ? 'decide' : 'admin';
      t.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: readiness }, `${where}: readinessProbe`);
      if (roles.includes('ingest')) t.is(ports.get('ingest'), config.ingest.port, `${where}: ingest port`);
      if (roles.includes('decide')) t.is(ports.get('decide'), config.decide.port, `${where}: decide port`);
      if (!roles.includes('ingest')) t.false(ports.has('ingest'), `${where}: no ingest port without ingest`);

      t.true(pod.securityContext.runAsNonRoot, where);
      t.true(pod.securityContext.runAsUser >= 10000, where);
      t.false(container.securityContext.allowPrivilegeEscalation, where);
      t.true(container.securityContext.readOnlyRootFilesystem, where);
      t.deepEqual(container.securityContext.capabilities.drop, ['ALL'], where);
      // With a read-only root, every relative path botsieve writes (data/…) must be a volume: the
      // image's working directory is /app.
      t.true(container.volumeMounts.some((m: Json) => m.mountPath === '/app/data'), `${where}: writable /app/data`);

      t.truthy(container.resources.requests.cpu, where);
      t.truthy(container.resources.requests.memory, where);
      t.truthy(container.resources.limits.memory, where);
      t.is(pod.serviceAccountName, 'botsieve', where);

      const [spread] = pod.topologySpreadConstraints;
      t.is(spread.topologyKey, 'topology.kubernetes.io/zone', where);
      t.deepEqual(spread.labelSelector.matchLabels, deployment.spec.selector.matchLabels, `${where}: spread counts this Deployment's pods`);
      t.deepEqual(deployment.spec.template.metadata.labels, deployment.spec.selector.matchLabels, where);
    }
  }
});

test('grace period ≥ readiness delay + every drain the roles run, with the timeouts of their own configuration', (t) => {
  for (const dir of LAYOUTS) {
    for (const deployment of ofKind(dir, 'Deployment')) {
      const roles = rolesOf(deployment);
      const config = configOf(dir, deployment);
      const container = deployment.spec.template.spec.containers[0];
      const where = `${dir} ${deployment.metadata.name}`;
      // Shutdown runs these one after the other (cli/src/pipeline.ts): readiness fails and the
      // servers keep serving for the delay, then decide, ingest's drain and producer flush (one
      // produce is bounded by delivery_timeout_ms), then detectors and sinks (one batch in hand: a
      // produce, or a sink request bounded by its longest timeout).
      const delay_ms = config.shutdown.readiness_delay_ms;
      const kafka = config.bus.kind === 'kafka' ? config.bus.kafka.delivery_timeout_ms : 0;
      const sinkRequest = Math.max(config.sinks.bigquery.timeout_ms, config.sinks.pubsub.publish_timeout_ms, config.sinks.redis_cluster.command_timeout_ms, config.sinks.cloudflare_lists.request_timeout_ms);
      let drain_ms = 0;
      if (roles.includes('decide')) drain_ms += config.decide.drain_timeout_ms;
      if (roles.includes('ingest')) drain_ms += config.ingest.drain_timeout_ms + kafka;
      if (roles.includes('detect') || roles.includes('sink')) drain_ms += Math.max(kafka, roles.includes('sink') ? sinkRequest : 0);
      const needed_s = (delay_ms + drain_ms) / 1000;
      t.true(deployment.spec.template.spec.terminationGracePeriodSeconds >= needed_s, `${where}: grace ${deployment.spec.template.spec.terminationGracePeriodSeconds} s < ${needed_s} s`);
      // Pods that take traffic keep serving with readiness failed until the endpoints dropped them.
      const serves = roles.includes('ingest') || roles.includes('decide');
      t.is(delay_ms > 0, serves, `${where}: shutdown.readiness_delay_ms ${delay_ms}`);
      t.is(container.lifecycle?.preStop, undefined, `${where}: the readiness delay replaces a preStop sleep`);
    }
  }
});

test('Services: cluster-internal, named target ports that the selected pods declare', (t) => {
  for (const dir of LAYOUTS) {
    for (const service of ofKind(dir, 'Service')) {
      t.is(service.spec.type, 'ClusterIP', `${dir} ${service.metadata.name}`);
      const pods = ofKind(dir, 'Deployment').filter((d) => Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      t.true(pods.length > 0, `${dir} ${service.metadata.name} selects no pods`);
      for (const port of service.spec.ports) {
        t.true(pods.some((d) => d.spec.template.spec.containers[0].ports.some((p: Json) => p.name === port.targetPort)), `${dir} ${service.metadata.name}: ${port.targetPort}`);
      }
    }
  }
  t.deepEqual(ofKind('base', 'Service').map((s) => [s.metadata.name, s.spec.ports[0].port]).sort(), [['botsieve-admin', 9464], ['botsieve-decide', 8090], ['botsieve-ingest', 8080]]);
});

test('HPAs on CPU for ingest and decide; PDBs select one role each; the lag example is not applied', (t) => {
  const hpas = ofKind('base', 'HorizontalPodAutoscaler');
  t.deepEqual(hpas.map((h) => h.spec.scaleTargetRef.name).sort(), ['botsieve-decide', 'botsieve-ingest']);
  for (const hpa of hpas) {
    t.truthy(named('base', 'Deployment', hpa.spec.scaleTargetRef.name));
    t.deepEqual(hpa.spec.metrics.map((m: Json) => [m.type, m.resource.name]), [['Resource', 'cpu']]);
  }
  for (const pdb of ofKind('base', 'PodDisruptionBudget')) {
    const selected = ofKind('base', 'Deployment').filter((d) => Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
    t.is(selected.length, 1, pdb.metadata.name);
  }
  const example = lagExample;
  t.notThrows(() => new (kubernetesModel('autoscaling/v2', 'HorizontalPodAutoscaler'))(example).validate());
  t.is(example.spec.metrics[0].type, 'External');
});

test('secrets are referenced, never committed; every key the pods read is listed in the example', (t) => {
  const listed = new Set(
    readFileSync(join(KUSTOMIZE, 'common/secrets.example.env'), 'utf8')
      .split('\n')
      .filter((line) => /^[a-z-]+=/.test(line))
      .map((line) => line.slice(0, line.indexOf('='))),
  );
  for (const dir of LAYOUTS) {
    t.is(ofKind(dir, 'Secret').length, 0, `${dir}: no Secret object in the repository`);
    for (const deployment of ofKind(dir, 'Deployment')) {
      for (const env of deployment.spec.template.spec.containers[0].env ?? []) {
        if (typeof env.value === 'string') {
          // Literals only for settings that are no secret (the shutdown delay of a role).
          t.notRegex(env.name, /TOKEN|PASSWORD|SECRET|KEY|CREDENTIAL/, `${env.name} is a literal`);
          continue;
        }
        const ref = env.valueFrom?.secretKeyRef;
        t.truthy(ref, `${env.name} comes from the Secret, not a literal`);
        t.is(ref.name, 'botsieve-secrets');
        t.true(ref.optional);
        t.true(listed.has(ref.key), `${ref.key} missing from secrets.example.env`);
        t.true(env.name.startsWith('BOTSIEVE_'), env.name);
      }
    }
  }
  // Every env var a pod sets names a real configuration path (the loader rejects unknown keys).
  const deployment = named('overlays/all-in-one', 'Deployment', 'botsieve-all-in-one');
  const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: Json) => [e.name, e.value ?? 'Bearer x']));
  env.BOTSIEVE_SINKS__CLOUDFLARE_LISTS__API_TOKEN = 'x';
  t.notThrows(() => loadConfig({ env }));
});

test('gke: namespace, Workload Identity and the Gateway match Terraform; the route reaches ingest only', (t) => {
  const variables = readFileSync(join(REPO, 'infra/terraform/variables.tf'), 'utf8');
  const tfDefault = (name: string) => new RegExp(`variable "${name}" \\{[^}]*?default\\s*=\\s*"([^"]+)"`, 's').exec(variables)?.[1];
  const dir = 'overlays/gke';
  for (const object of objects(dir)) if (object.kind !== 'Namespace') t.is(object.metadata.namespace, tfDefault('workload_namespace'), `${object.kind}/${object.metadata.name}`);
  const [account] = ofKind(dir, 'ServiceAccount');
  t.is(account.metadata.name, tfDefault('workload_service_account'));
  t.regex(account.metadata.annotations['iam.gke.io/gcp-service-account'], /^botsieve-pipeline@.+\.iam\.gserviceaccount\.com$/);

  const gateway = named(dir, 'Gateway', 'botsieve-ingest');
  t.is(gateway.spec.gatewayClassName, 'gke-l7-global-external-managed');
  t.deepEqual(gateway.spec.addresses, [{ type: 'NamedAddress', value: tfDefault('ingress_address_name') }]);
  t.is(gateway.spec.listeners[0].tls.options['networking.gke.io/pre-shared-certs'], tfDefault('ingress_certificate_name'));
  const policy = named(dir, 'GCPBackendPolicy', 'botsieve-ingest');
  t.is(policy.spec.default.securityPolicy, tfDefault('ingress_security_policy_name'));
  const route = named(dir, 'HTTPRoute', 'botsieve-ingest');
  t.deepEqual(route.spec.parentRefs.map((p: Json) => p.name), [gateway.metadata.name]);
  t.deepEqual(route.spec.rules.flatMap((r: Json) => r.matches.map((m: Json) => m.path.value)).sort(), ['/events', '/logpush', '/stream']);
  const ingestService = named(dir, 'Service', 'botsieve-ingest');
  for (const rule of route.spec.rules) for (const ref of rule.backendRefs) t.deepEqual([ref.name, ref.port], [ingestService.metadata.name, ingestService.spec.ports[0].port]);
  const health = named(dir, 'HealthCheckPolicy', 'botsieve-ingest');
  t.deepEqual(health.spec.default.config.httpHealthCheck, { port: 8080, requestPath: '/readyz' });
  for (const target of [policy.spec.targetRef, health.spec.targetRef]) t.deepEqual(target, { group: '', kind: 'Service', name: ingestService.metadata.name });
  // The overlay's environment parses; several sink replicas elect one Cloudflare writer per account
  // through the lease on the Redis Cluster, which a peer takes over within its ttl and a renew interval.
  const sink = named(dir, 'Deployment', 'botsieve-sink');
  t.true(sink.spec.replicas >= 2);
  const sinks = configOf(dir, sink).sinks;
  t.is(sinks.cloudflare_lists.writer_lease.backend, 'redis');
  t.true(sinks.redis_cluster.nodes.length > 0);
  t.not(sinks.cloudflare_lists.account_id, '', 'the lease key is per account');
  t.true(named(dir, 'Deployment', 'botsieve-ingest').spec.template.spec.containers[0].image.includes('docker.pkg.dev/'));
});
