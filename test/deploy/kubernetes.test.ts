import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadGatewayConfig } from '../../gateway/config';
import { secretFiles } from '../../scripts/secrets';
import { SERVICE_LINKS, SUBGRAPH_NAMES, type SubgraphName } from '../../platform/contracts/service-links';
import { ConfigError } from '../../platform/env';
import { Lifecycle, shutdownBound } from '../../platform/lifecycle';
import { loadTelemetryConfig } from '../../platform/telemetry/config';
import { loadSubgraphConfig } from '../../subgraphs/kit/config';
import {
  containerEnvironment,
  generatedSecrets,
  ingressAllowed,
  parseEnvFile,
  KUBERNETES_DIR,
  loadKustomization,
  recordReads,
  ROOT,
  schemaProblems,
  selects,
  type KubeObject,
  type Kustomization,
  type Pod,
} from '../helpers/kubernetes';

/**
 * deploy/kubernetes against the code it deploys: the Kubernetes schemas, the secrets `npm run
 * secrets` writes, the variables the config loaders read, the health endpoints the servers serve,
 * and the service links the subgraphs make (SERVICE_LINKS), with no cluster and no kubectl.
 */
type Service = 'gateway' | SubgraphName;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** What an operator fills in from outside (README): plausible values, checked like real ones. */
const OUTSIDE: Record<string, string> = {
  DATABASE_URL: 'mysql://cx:secret@mariadb.db.svc:3306/cx',
  REDIS_URL: 'redis://redis.db.svc:6379',
  JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  TOKEN_ISSUER: 'https://idp.example.com/',
};

let kustomization: Kustomization;
let objects: KubeObject[];
let files: Record<string, KubeObject[]>;
let written: Record<string, string>;
let deployments: KubeObject[];
let services: KubeObject[];
let policies: KubeObject[];
let namespace: string;

/** Which server a Deployment runs, from its command (the entry point it starts). */
function serviceOf(deployment: KubeObject): Service {
  const command = (deployment.spec.template.spec.containers[0].command ?? []).join(' ');
  const match = /^node dist\/(?:gateway|subgraphs\/(\w+))\/index\.js$/.exec(command);
  if (!match) throw new Error(`${deployment.metadata.name}: command ${command} is no server's entry point`);
  const name = (match[1] ?? 'gateway') as Service;
  if (name !== 'gateway' && !SUBGRAPH_NAMES.includes(name)) throw new Error(`${deployment.metadata.name}: no subgraph ${name}`);
  return name;
}
const deploymentOf = (service: Service) => deployments.find((deployment) => serviceOf(deployment) === service)!;
const podLabels = (deployment: KubeObject): Record<string, string> => deployment.spec.template.metadata.labels;
const containerOf = (deployment: KubeObject) => deployment.spec.template.spec.containers[0];
const containerPort = (deployment: KubeObject, name: string): number | undefined =>
  (containerOf(deployment).ports ?? []).find((port: { name?: string }) => port.name === name)?.containerPort;

/** The env files with the outside values filled in (or left as generated). */
function envFiles(filled: boolean): Record<string, string> {
  return Object.fromEntries(
    Object.entries(written).map(([file, text]) => [
      `env/${file}`,
      filled ? text.replace(/^([A-Z_]+)=$/gm, (line, key: string) => (key in OUTSIDE ? `${key}=${OUTSIDE[key]}` : line)) : text,
    ]),
  );
}

function environmentOf(deployment: KubeObject, options: { filled?: boolean; serviceLinks?: boolean } = {}) {
  const pod = clone(deployment.spec.template.spec);
  if (options.serviceLinks) delete pod.enableServiceLinks;
  return containerEnvironment(pod, pod.containers[0], generatedSecrets(kustomization, envFiles(options.filled ?? true)), services);
}

/** The configuration a Deployment's process loads, as it starts (every loader it runs), and the variables they read. */
function loadConfigs(deployment: KubeObject, env: Record<string, string>) {
  const service = serviceOf(deployment);
  return recordReads(env, (e) => {
    const telemetry = loadTelemetryConfig(e);
    return service === 'gateway'
      ? { service, telemetry, gateway: loadGatewayConfig(e) }
      : { service, telemetry, subgraph: loadSubgraphConfig(e, service) };
  });
}

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** The one Service in front of a Deployment's pods: its name, and its port that forwards to the container port `http`. */
function serviceFor(deployment: KubeObject): { name: string; port: number; target: string | number } {
  const matching = services.filter((service) => service.spec.selector && selects({ matchLabels: service.spec.selector }, podLabels(deployment)));
  expect(matching).toHaveLength(1);
  const http = (matching[0].spec.ports as { name?: string; port: number; targetPort?: string | number }[]).find((port) => port.targetPort === 'http');
  expect(http).toBeDefined();
  return { name: matching[0].metadata.name, port: http!.port, target: http!.targetPort! };
}

const CPU = (value: string | number) => (typeof value === 'number' ? value : value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value));
const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
function memory(value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(|k|M|G|Ki|Mi|Gi)$/.exec(String(value));
  if (!match) throw new Error(`memory quantity ${value}`);
  return Number(match[1]) * UNITS[match[2]];
}

beforeAll(async () => {
  ({ kustomization, objects, files } = loadKustomization());
  written = await secretFiles({ demo: false });
  deployments = objects.filter((object) => object.kind === 'Deployment');
  services = objects.filter((object) => object.kind === 'Service');
  policies = objects.filter((object) => object.kind === 'NetworkPolicy');
  namespace = kustomization.namespace!;
});

test('the kustomization lists every manifest of the directory, and each object is valid against the Kubernetes schemas', () => {
  // Fields kustomize knows (a misspelt one would be ignored or refused by kubectl apply -k).
  expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
  expect(Object.keys(kustomization).filter((key) => !['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'images', 'secretGenerator'].includes(key))).toEqual([]);
  const manifests = fs.readdirSync(KUBERNETES_DIR).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
  expect([...kustomization.resources].sort()).toEqual(manifests.sort());
  expect(Object.values(files).every((list) => list.length > 0)).toBe(true);
  expect(schemaProblems(objects)).toEqual(objects.map(() => []));
  // One namespace, set by the kustomization, and made by it.
  expect(namespace).toMatch(/^[a-z0-9-]+$/);
  expect(objects.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name)).toEqual([namespace]);
  for (const object of objects) expect(object.metadata.namespace ?? namespace).toBe(namespace);
  // The five servers, each once.
  expect(deployments.map(serviceOf).sort()).toEqual(['gateway', ...SUBGRAPH_NAMES].sort());
});

test('the validator refuses broken manifests: wrong types, missing fields, misspelt fields, unknown kinds', () => {
  const deployment = deploymentOf('identity');
  const wrongType = clone(deployment);
  wrongType.spec.replicas = 'two';
  const missing = clone(deployment);
  delete missing.spec.template.spec.containers[0].name;
  const misspeltProbe = clone(deployment);
  misspeltProbe.spec.template.spec.containers[0].livenessProbe = { httpGett: { path: '/health/live', port: 'http' } };
  const misspeltField = clone(deployment);
  misspeltField.spec.template.spec.containers[0].readinessprobe = misspeltField.spec.template.spec.containers[0].readinessProbe;
  const badEnum = clone(deployment);
  badEnum.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
  const policy = clone(policies[0]);
  policy.spec.policyTypes = ['Inbound'];
  const unknownKind = { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } };

  const [valid, ...broken] = schemaProblems([deployment, wrongType, missing, misspeltProbe, misspeltField, badEnum, policy, unknownKind]);
  expect(valid).toEqual([]);
  expect(broken.map((problems) => problems.join(' | '))).toEqual([
    expect.stringContaining('spec/replicas must be integer'),
    expect.stringContaining('containers/0 must have required property name'),
    expect.stringContaining("'\"httpGett\"' does not exist"),
    expect.stringContaining("'\"readinessprobe\"' does not exist"),
    expect.stringMatching(/imagePullPolicy|allowed values/),
    expect.stringContaining('Inbound'),
    'unknown apiVersion/kind: apps/v1/Deploymnet',
  ]);
});

test('secrets: the secretGenerator reads the files `npm run secrets` writes for the five processes, from a git-ignored directory, as the README says', () => {
  const generators = kustomization.secretGenerator ?? [];
  const envs = generators.flatMap((generator) => generator.envs ?? []);
  expect(new Set(envs).size).toBe(envs.length);
  // Each one of the generated files; together, exactly the five processes' (no compose or demo file).
  for (const file of envs) expect(Object.keys(written)).toContain(path.basename(file));
  expect(envs.map((file) => path.basename(file)).sort()).toEqual(['common.env', 'gateway.env', ...SUBGRAPH_NAMES.map((name) => `${name}.env`)].sort());
  const dirs = [...new Set(envs.map((file) => path.dirname(file)))];
  expect(dirs).toHaveLength(1);
  const dir = path.posix.join('deploy/kubernetes', dirs[0]);
  // Below the kustomization (kustomize refuses files outside it), and never committed.
  expect(path.resolve(KUBERNETES_DIR, dirs[0]).startsWith(`${KUBERNETES_DIR}${path.sep}`)).toBe(true);
  const ignored = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n').map((line) => line.trim());
  expect(ignored).toContain(`${dir}/`);
  // Nor sent to a docker build.
  expect(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim().replace(/\/$/, ''))).toContain(dir);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const command of [`npm run secrets -- --out ${dir}`, 'kubectl apply -k deploy/kubernetes']) expect({ command, inReadme: readme.includes(command) }).toEqual({ command, inReadme: true });

  // Every Secret a pod names is generated, and every generated one is used.
  const secrets = generatedSecrets(kustomization, envFiles(false));
  const used = new Set<string>();
  for (const deployment of deployments) {
    const container = containerOf(deployment);
    for (const source of container.envFrom ?? []) used.add(source.secretRef.name);
    for (const variable of container.env ?? []) if (variable.valueFrom) used.add(variable.valueFrom.secretKeyRef.name);
    expect(() => environmentOf(deployment)).not.toThrow();
  }
  expect([...used].sort()).toEqual([...secrets.keys()].sort());
  // No secret in a manifest: nothing but the generator makes a Secret, and no value looks like one.
  expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
  const text = Object.keys(files).map((file) => fs.readFileSync(path.join(KUBERNETES_DIR, file), 'utf8')).join('\n');
  for (const name of ['CONTEXT_KEY', 'SERVICE_KEYS', 'MASTER_KEYS', 'CONTEXT_SIGNING_SECRET', 'CLIENT_TOKEN_PRIVATE_KEY', 'DATABASE_URL']) expect(text).not.toContain(name);
});

test('each process loads its production configuration from the manifests without a problem, and every variable they give it is one its loaders read', () => {
  for (const deployment of deployments) {
    const { env, declared } = environmentOf(deployment);
    const { value, read } = loadConfigs(deployment, env);
    const unread = Object.keys(declared).filter((key) => !read.has(key));
    expect({ deployment: deployment.metadata.name, unread }).toEqual({ deployment: deployment.metadata.name, unread: [] });
    const http = containerPort(deployment, 'http');
    if (value.gateway) {
      expect(value.gateway.production).toBe(true);
      expect(value.gateway.host).toBe('0.0.0.0');
      expect(value.gateway.port).toBe(http);
      expect(value.gateway.redisUrl).toBe(OUTSIDE.REDIS_URL);
      expect(value.gateway.jwksUrl).toBe(OUTSIDE.JWKS_URL);
      // Every subgraph at its Service, by the Service's name in this namespace.
      for (const name of SUBGRAPH_NAMES) {
        const target = serviceFor(deploymentOf(name));
        expect(value.gateway.subgraphUrls[name]).toBe(`http://${target.name}:${target.port}/graphql`);
      }
    } else {
      const config = value.subgraph!;
      const name = value.service as SubgraphName;
      expect(config.production).toBe(true);
      expect(config.host).toBe('0.0.0.0');
      expect(config.ports[name]).toBe(http);
      // MySQL and the generated keys: nothing written to the (read-only) file system, no SQLite, no development keys.
      expect(config.databaseUrl).toBe(OUTSIDE.DATABASE_URL);
      expect(config.contextKey && config.masterKeys && config.serviceKeys).toBeTruthy();
      expect(config.redisUrl).toBe(OUTSIDE.REDIS_URL);
      expect(config.seed).toBe(false);
    }
    // Metrics on the port the manifest names, on every interface (the NetworkPolicy guards it).
    expect(value.telemetry.metricsPort).toBe(containerPort(deployment, 'metrics'));
    expect(value.telemetry.metricsHost).toBe('0.0.0.0');
  }
});

test('with the outside values left as generated, every process refuses to start, naming them', () => {
  for (const deployment of deployments) {
    const problems = problemsOf(() => loadConfigs(deployment, environmentOf(deployment, { filled: false }).env)).join('\n');
    const expected = serviceOf(deployment) === 'gateway' ? ['JWKS_URL', 'TOKEN_ISSUER'] : ['DATABASE_URL'];
    for (const key of expected) expect(problems).toContain(key);
  }
});

test('service links: each subgraph is given the URL of exactly the subgraphs it calls (SERVICE_LINKS), at their Services', () => {
  for (const name of SUBGRAPH_NAMES) {
    const { declared } = environmentOf(deploymentOf(name));
    const urls = Object.keys(declared).filter((key) => SUBGRAPH_NAMES.some((other) => key === `${other.toUpperCase()}_URL`));
    const callees = SERVICE_LINKS.filter(([caller]) => caller === name).map(([, callee]) => callee);
    expect({ name, urls: urls.sort() }).toEqual({ name, urls: callees.map((callee) => `${callee.toUpperCase()}_URL`).sort() });
    const config = loadConfigs(deploymentOf(name), environmentOf(deploymentOf(name)).env).value.subgraph!;
    for (const callee of callees) {
      const target = serviceFor(deploymentOf(callee));
      expect(config.urls[callee]).toBe(`http://${target.name}:${target.port}/graphql`);
    }
  }
});

test("Kubernetes' own service variables are off: with them (IDENTITY_PORT=tcp://…) every process would refuse to start", () => {
  for (const deployment of deployments) {
    expect(deployment.spec.template.spec.enableServiceLinks).toBe(false);
    const problems = problemsOf(() => loadConfigs(deployment, environmentOf(deployment, { serviceLinks: true }).env));
    expect(problems.join('\n')).toMatch(/_PORT must be a port number/);
  }
});

test('probes hit the health endpoints the servers serve, on the port they listen on, within the readiness timeout and the shutdown bound', () => {
  const served: string[] = [];
  new Lifecycle().mount({ get: (route: string) => served.push(route) } as never, async () => null, 1000);
  expect(served).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
  for (const deployment of deployments) {
    const container = containerOf(deployment);
    const { value } = loadConfigs(deployment, environmentOf(deployment).env);
    const listening = value.gateway ? value.gateway.port : value.subgraph!.ports[value.service as SubgraphName];
    const lifecycle = value.gateway ? value.gateway.lifecycle : value.subgraph!.lifecycle;
    const probePort = (probe: { httpGet: { port: string | number } }) =>
      typeof probe.httpGet.port === 'number' ? probe.httpGet.port : containerPort(deployment, probe.httpGet.port);
    // Liveness never depends on the database or identity (restarting would not bring them back).
    for (const probe of [container.startupProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/health/live');
      expect(probePort(probe)).toBe(listening);
    }
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(probePort(container.readinessProbe)).toBe(listening);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) expect(served).toContain(probe.httpGet.path);
    // A readiness answer takes up to HEALTH_TIMEOUT_MS: the probe waits longer.
    expect(container.readinessProbe.timeoutSeconds * 1000).toBeGreaterThan(lifecycle.healthTimeoutMs);
    // The pod is killed only after preStop and the whole drain (SHUTDOWN_DRAIN_MS plus closing).
    const preStop = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
    const pause = preStop && preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + shutdownBound(lifecycle) / 1000);
  }
});

test('two replicas or more, resources requested and limited, non-root with a read-only root file system and no privilege escalation', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  // The image runs as the node image's user `node` (uid 1000), which the pods name.
  expect(dockerfile).toMatch(/^USER node$/m);
  const images = (kustomization.images ?? []).map((image) => image.name);
  for (const deployment of deployments) {
    const { spec } = deployment;
    expect(spec.replicas).toBeGreaterThanOrEqual(2);
    expect(selects(spec.selector, podLabels(deployment))).toBe(true);
    for (const other of deployments) if (other !== deployment) expect(selects(spec.selector, podLabels(other))).toBe(false);
    const pod = spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.containers).toHaveLength(1);
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      expect(images).toContain(container.image);
      const entry = (container.command as string[])[1].replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(fs.existsSync(path.join(ROOT, entry))).toBe(true);
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(container.securityContext.privileged ?? false).toBe(false);
      expect(container.securityContext.capabilities.add ?? []).toEqual([]);
      const { requests, limits } = container.resources;
      expect(CPU(requests.cpu)).toBeGreaterThan(0);
      expect(CPU(limits.cpu)).toBeGreaterThanOrEqual(CPU(requests.cpu));
      expect(memory(requests.memory)).toBeGreaterThan(0);
      expect(memory(limits.memory)).toBeGreaterThanOrEqual(memory(requests.memory));
      // Something writable for Node and libraries that want a temporary directory.
      expect(container.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/tmp' })]));
    }
  }
});

test('every service has a Service and a PodDisruptionBudget selecting exactly its pods, one that still lets a node drain', () => {
  const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget');
  for (const deployment of deployments) {
    const selecting = budgets.filter((budget) => selects(budget.spec.selector, podLabels(deployment)));
    expect(selecting).toHaveLength(1);
    const [budget] = selecting;
    for (const other of deployments) if (other !== deployment) expect(selects(budget.spec.selector, podLabels(other))).toBe(false);
    if (budget.spec.minAvailable !== undefined) {
      expect(budget.spec.minAvailable).toBeGreaterThanOrEqual(1);
      expect(budget.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    } else expect(budget.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
    const service = serviceFor(deployment);
    expect(containerPort(deployment, String(service.target))).toBeDefined();
  }
  expect(budgets).toHaveLength(deployments.length);
});

/** Connections the NetworkPolicies decide otherwise than the code needs: empty when they match. */
function networkMismatches(policySet: KubeObject[]): string[] {
  const monitoring = { 'kubernetes.io/metadata.name': 'monitoring' };
  const own = { 'kubernetes.io/metadata.name': namespace };
  const portsOf = (deployment: KubeObject) => Object.fromEntries((containerOf(deployment).ports ?? []).map((port: { name: string; containerPort: number }) => [port.name, port.containerPort]));
  const servers = deployments.map((deployment) => ({
    service: serviceOf(deployment) as Service | null,
    pod: { namespace, namespaceLabels: own, labels: podLabels(deployment), ports: portsOf(deployment) } as Pod,
  }));
  const stranger = { service: null, pod: { namespace, namespaceLabels: own, labels: { 'app.kubernetes.io/name': 'debug' }, ports: {} } as Pod };
  const sources = [
    ...servers,
    stranger,
    { service: null, pod: { namespace: 'monitoring', namespaceLabels: monitoring, labels: { 'app.kubernetes.io/name': 'prometheus' } } as Pod, monitoring: true },
    { service: null, pod: { namespace: 'default', namespaceLabels: { 'kubernetes.io/metadata.name': 'default' }, labels: { 'app.kubernetes.io/name': 'gateway' } } as Pod },
  ] as { service: Service | null; pod: Pod; monitoring?: boolean }[];
  const mismatches: string[] = [];
  for (const target of [...servers, stranger]) {
    const ports = [...Object.values(target.pod.ports ?? {}), 22, 3306];
    for (const port of ports) {
      for (const source of sources) {
        let expected = false;
        if (target.service && port === target.pod.ports?.metrics) expected = source.monitoring === true;
        else if (target.service && port === target.pod.ports?.http) {
          expected = target.service === 'gateway'
            || (source.pod.namespace === namespace && (source.service === 'gateway' || SERVICE_LINKS.some(([caller, callee]) => caller === source.service && callee === target.service)));
        }
        const allowed = ingressAllowed(policySet, namespace, source.pod, target.pod, port);
        if (allowed !== expected) {
          mismatches.push(`${source.pod.namespace}/${source.pod.labels['app.kubernetes.io/name']} -> ${target.pod.labels['app.kubernetes.io/name']}:${port} ${allowed ? 'allowed' : 'refused'}`);
        }
      }
    }
  }
  return mismatches;
}

test('NetworkPolicies: default-deny ingress; the gateway from anywhere; each subgraph from the gateway and its service-link callers only; metrics from the monitoring namespace only', () => {
  expect(networkMismatches(policies)).toEqual([]);
  expect(policies.some((policy) => Object.keys(policy.spec.podSelector).length === 0 && policy.spec.policyTypes.includes('Ingress') && !policy.spec.ingress?.length)).toBe(true);
});

test('the NetworkPolicy check catches policies that let too much or too little through', () => {
  const named = (name: string, set = clone(policies)) => ({ set, policy: set.find((policy) => policy.metadata.name === name)! });
  // A link the code does not have: crm -> interactions.
  const extraLink = named('interactions');
  extraLink.policy.spec.ingress[0].from.push({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'crm' } } });
  expect(networkMismatches(extraLink.set)).toEqual(['cx/crm -> interactions:4002 allowed']);
  // A link the code has, missing: interactions -> consent.
  const missingLink = named('consent');
  missingLink.policy.spec.ingress[0].from = missingLink.policy.spec.ingress[0].from.filter((peer: { podSelector: { matchLabels: Record<string, string> } }) => peer.podSelector.matchLabels['app.kubernetes.io/name'] !== 'interactions');
  expect(networkMismatches(missingLink.set)).toEqual(['cx/interactions -> consent:4003 refused']);
  // Peers without a port list: every port of identity open to its callers.
  const anyPort = named('identity');
  delete anyPort.policy.spec.ingress[0].ports;
  expect(networkMismatches(anyPort.set).length).toBeGreaterThan(0);
  // A namespaceSelector on the subgraph's peers: pods of that name in any namespace.
  const anyNamespace = named('crm');
  anyNamespace.policy.spec.ingress[0].from[0].namespaceSelector = {};
  expect(networkMismatches(anyNamespace.set)).toContain('default/gateway -> crm:4004 allowed');
  // Without default-deny, a pod no policy selects is open.
  const noDefault = policies.filter((policy) => Object.keys(policy.spec.podSelector).length > 0);
  expect(networkMismatches(noDefault)).toContain('cx/gateway -> debug:22 allowed');
});

test('no demo in the base: no fake CRM, no seed, no demo trust', () => {
  for (const deployment of deployments) {
    const { declared } = environmentOf(deployment);
    expect((containerOf(deployment).command as string[]).join(' ')).not.toMatch(/crm-fake|seed/);
    for (const key of ['SEED', 'CRM_FAKE_URL', 'CRM_ALLOWED_HOSTS', 'NODE_EXTRA_CA_CERTS', 'CRM_ALLOW_PRIVATE_ADDRESSES']) expect(declared).not.toHaveProperty(key);
  }
  expect((kustomization.secretGenerator ?? []).flatMap((generator) => generator.envs ?? []).some((file) => /demo|compose|mariadb|single-process/.test(file))).toBe(false);
});

/** kubectl, where installed (CI does not need it): kustomize itself, to check what this file assumes of it. */
const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

(kubectl ? test : test.skip)('where kubectl is installed, `kubectl kustomize` renders what this test reads: the Secrets of the generated files, their hashed names in every pod, the namespace and the image', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-kustomize-'));
  try {
    for (const file of ['kustomization.yaml', ...kustomization.resources]) fs.copyFileSync(path.join(KUBERNETES_DIR, file), path.join(dir, file));
    fs.mkdirSync(path.join(dir, 'env'), { mode: 0o700 });
    for (const [file, text] of Object.entries(written)) fs.writeFileSync(path.join(dir, 'env', file), text, { mode: 0o600 });
    const rendered = YAML.parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 })).map((doc) => doc.toJS() as KubeObject);
    const secrets = rendered.filter((object) => object.kind === 'Secret');
    const others = rendered.filter((object) => object.kind !== 'Secret');
    expect(others.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort());
    expect(schemaProblems(others)).toEqual(others.map(() => []));
    // One Secret per generator, named <generator>-<hash>, holding exactly its file's variables.
    const byGenerator = new Map<string, KubeObject>();
    for (const generator of kustomization.secretGenerator ?? []) {
      const secret = secrets.filter((object) => new RegExp(`^${generator.name}-[a-z0-9]{10}$`).test(object.metadata.name));
      expect(secret).toHaveLength(1);
      byGenerator.set(generator.name, secret[0]);
      const data = Object.fromEntries(Object.entries(secret[0].data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value.replace(/\s/g, ''), 'base64').toString('utf8')]));
      const expected: Record<string, string> = Object.assign({}, ...(generator.envs ?? []).map((file) => parseEnvFile(fs.readFileSync(path.join(dir, file), 'utf8'))));
      // Compared without printing a value, should they differ.
      expect(Object.keys(data).sort()).toEqual(Object.keys(expected).sort());
      expect(Object.keys(expected).filter((key) => data[key] !== expected[key])).toEqual([]);
    }
    expect(secrets).toHaveLength(byGenerator.size);
    for (const object of rendered) {
      if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe(namespace);
      expect(object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('cx-data-gateway');
    }
    const image = kustomization.images![0];
    for (const deployment of rendered.filter((object) => object.kind === 'Deployment')) {
      const source = deployments.find((object) => object.metadata.name === deployment.metadata.name)!;
      const container = containerOf(deployment);
      expect(container.image).toBe(`${image.newName ?? image.name}:${image.newTag}`);
      // Every Secret reference renamed to the hashed Secret, and nothing else changed in the pod.
      const renamed = clone(containerOf(source));
      for (const from of renamed.envFrom ?? []) from.secretRef.name = byGenerator.get(from.secretRef.name)!.metadata.name;
      for (const variable of renamed.env ?? []) if (variable.valueFrom) variable.valueFrom.secretKeyRef.name = byGenerator.get(variable.valueFrom.secretKeyRef.name)!.metadata.name;
      renamed.image = container.image;
      expect(container).toEqual(renamed);
      expect({ ...deployment.spec.template.spec, containers: [] }).toEqual({ ...source.spec.template.spec, containers: [] });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
