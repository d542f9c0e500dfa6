import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import YAML from 'yaml';

/**
 * Reading and checking the Kubernetes manifests without a cluster or kubectl: the kustomization and
 * its resources, validation against the Kubernetes schemas (kubernetes-models' validators, and its
 * types for unknown fields, as `kubectl --validate=strict` would refuse them), what kustomize would
 * make of the secretGenerator, the environment a container would get, and which connections the
 * NetworkPolicies let through.
 */
export const ROOT = path.resolve(__dirname, '../..');
export const KUBERNETES_DIR = path.join(ROOT, 'deploy/kubernetes');

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [key: string]: unknown;
}

export interface Kustomization {
  namespace?: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  secretGenerator?: { name: string; envs?: string[]; files?: string[]; literals?: string[] }[];
  [key: string]: unknown;
}

export function loadKustomization(dir = KUBERNETES_DIR): { kustomization: Kustomization; objects: KubeObject[]; files: Record<string, KubeObject[]> } {
  const kustomization = YAML.parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const files: Record<string, KubeObject[]> = {};
  for (const resource of kustomization.resources ?? []) {
    files[resource] = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, resource), 'utf8'))
      .map((doc) => {
        if (doc.errors.length) throw new Error(`${resource}: ${doc.errors[0].message}`);
        return doc.toJS() as KubeObject;
      })
      .filter(Boolean);
  }
  return { kustomization, objects: Object.values(files).flat(), files };
}

/** kubernetes-models' module for an object's kind (`kubernetes-models/apps/v1/Deployment`), or undefined. */
function modelModule(object: Pick<KubeObject, 'apiVersion' | 'kind'>): string | undefined {
  if (typeof object?.apiVersion !== 'string' || typeof object?.kind !== 'string' || !/^[\w.]+(\/\w+)?$/.test(object.apiVersion) || !/^\w+$/.test(object.kind)) return undefined;
  const name = `kubernetes-models/${object.apiVersion}/${object.kind}`;
  try {
    require.resolve(name);
    return name;
  } catch {
    return undefined;
  }
}

/**
 * Problems of each object against the Kubernetes schemas (one list per object, empty when valid):
 * kubernetes-models' validator (types, required fields, enums, formats) and, since that lets
 * unknown fields through, the TypeScript compiler over its types (a misspelt `livenessProbe` or
 * `httpGet` is an error there).
 */
export function schemaProblems(objects: unknown[]): string[][] {
  const problems = objects.map((): string[] => []);
  const declarations: string[] = [];
  const spans: { index: number; start: number; end: number }[] = [];
  let source = '';
  objects.forEach((object, index) => {
    const name = modelModule(object as KubeObject);
    if (!name) {
      problems[index].push(`unknown apiVersion/kind: ${(object as KubeObject)?.apiVersion}/${(object as KubeObject)?.kind}`);
      return;
    }
    const { kind } = object as KubeObject;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Model = (require(name) as Record<string, new (data: unknown) => { validate(): void }>)[kind];
    try {
      new Model(object).validate();
    } catch (error) {
      problems[index].push(`schema: ${(error as Error).message}`);
    }
    declarations.push(`import type { I${kind} as T${index} } from '${name}';`);
    const statement = `export const m${index}: T${index} = ${JSON.stringify(object, null, 1)};\n`;
    spans.push({ index, start: source.length, end: source.length + statement.length });
    source += statement;
  });
  if (!spans.length) return problems;
  const header = `${declarations.join('\n')}\n`;
  const text = header + source;
  const file = path.join(ROOT, 'test', '__kubernetes_manifests__.ts');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? text : readFile(name));
  const program = ts.createProgram([file], options, host);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    const at = (diagnostic.start ?? -1) - header.length;
    const span = diagnostic.file?.fileName === file ? spans.find(({ start, end }) => at >= start && at < end) : undefined;
    if (span) problems[span.index].push(`fields: ${message}`);
    else throw new Error(`checking the manifests' types failed: ${message}`);
  }
  return problems;
}

/** An env file as kustomize's `envs:` reads it: KEY=VALUE lines, `#` comments and blank lines skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trimStart();
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    // Without "=", kustomize would take the value from the environment it runs in: not wanted here.
    if (at <= 0) throw new Error(`env file line without KEY=VALUE: ${line.slice(0, 40)}`);
    entries[line.slice(0, at)] = line.slice(at + 1);
  }
  return entries;
}

/** What the secretGenerator makes from env files (by path relative to the kustomization): Secret name → data. */
export function generatedSecrets(kustomization: Kustomization, envFiles: Record<string, string>): Map<string, Record<string, string>> {
  const secrets = new Map<string, Record<string, string>>();
  for (const generator of kustomization.secretGenerator ?? []) {
    if (generator.files?.length || generator.literals?.length) throw new Error(`secretGenerator ${generator.name}: only envs: is expected`);
    const data: Record<string, string> = {};
    for (const file of generator.envs ?? []) {
      if (!(file in envFiles)) throw new Error(`secretGenerator ${generator.name}: ${file} is not a generated file`);
      Object.assign(data, parseEnvFile(envFiles[file]));
    }
    secrets.set(generator.name, data);
  }
  return secrets;
}

/** The variables Kubernetes puts in a container for every Service of its namespace, unless `enableServiceLinks: false`. */
export function serviceLinkVariables(services: KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  services.forEach((service, i) => {
    const name = service.metadata.name.toUpperCase().replace(/-/g, '_');
    const ip = `10.96.0.${10 + i}`;
    const ports = (service.spec?.ports ?? []) as { name?: string; port: number; protocol?: string }[];
    if (!ports.length) return;
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(ports[0].port);
    env[`${name}_PORT`] = `${(ports[0].protocol ?? 'TCP').toLowerCase()}://${ip}:${ports[0].port}`;
    for (const port of ports) {
      const protocol = port.protocol ?? 'TCP';
      if (port.name) env[`${name}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
      const prefix = `${name}_PORT_${port.port}_${protocol}`;
      env[prefix] = `${protocol.toLowerCase()}://${ip}:${port.port}`;
      env[`${prefix}_PROTO`] = protocol.toLowerCase();
      env[`${prefix}_PORT`] = String(port.port);
      env[`${prefix}_ADDR`] = ip;
    }
  });
  return env;
}

/**
 * The environment a container starts with, as the kubelet builds it: the Services' variables
 * (unless the pod turns them off) under everything, then `envFrom` in order, then `env`. `declared`
 * is what the manifest itself puts there (without the Services' variables).
 */
export function containerEnvironment(
  pod: { enableServiceLinks?: boolean },
  container: { envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[]; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] },
  secrets: Map<string, Record<string, string>>,
  services: KubeObject[],
): { env: Record<string, string>; declared: Record<string, string> } {
  const declared: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (!source.secretRef) throw new Error('envFrom other than a generated Secret');
    const data = secrets.get(source.secretRef.name);
    if (!data) throw new Error(`envFrom: no Secret ${source.secretRef.name} is generated`);
    Object.assign(declared, data);
  }
  for (const variable of container.env ?? []) {
    if (variable.valueFrom) {
      const ref = variable.valueFrom.secretKeyRef;
      if (!ref) throw new Error(`${variable.name}: valueFrom other than a generated Secret's key`);
      const data = secrets.get(ref.name);
      if (!data || !(ref.key in data)) throw new Error(`${variable.name}: Secret ${ref.name} has no key ${ref.key}`);
      declared[variable.name] = data[ref.key];
    } else declared[variable.name] = variable.value ?? '';
  }
  const links = pod.enableServiceLinks === false ? {} : serviceLinkVariables(services);
  return { env: { ...links, ...declared }, declared };
}

/** Runs `read` over `env`, recording every variable it looks at. */
export function recordReads<T>(env: Record<string, string>, read: (env: Record<string, string | undefined>) => T): { value: T; read: Set<string> } {
  const seen = new Set<string>();
  const proxy = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') seen.add(key);
      return target[key as string];
    },
    has(target, key) {
      if (typeof key === 'string') seen.add(key);
      return key in target;
    },
  });
  return { value: read(proxy), read: seen };
}

// --- Label selectors and NetworkPolicies ---

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key])) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export interface Pod {
  namespace: string;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  /** Container ports by name (named ports in policies). */
  ports?: Record<string, number>;
}

/**
 * Whether the NetworkPolicies (all in `namespace`) let `from` open a TCP connection to `to` on
 * `port`, by the NetworkPolicy API's rules: a pod no Ingress policy selects accepts everything;
 * one that some select accepts what one of their rules allows. An ipBlock peer counts as matching
 * every pod (it may cover the pod network).
 */
export function ingressAllowed(policies: KubeObject[], namespace: string, from: Pod, to: Pod, port: number): boolean {
  if (to.namespace !== namespace) throw new Error('only pods of the policies\' namespace are checked');
  const selecting = policies.filter((policy) => {
    // Without policyTypes a policy is always an Ingress one (and an Egress one too if it has egress rules).
    const types: string[] = policy.spec?.policyTypes ?? ['Ingress', ...(policy.spec?.egress ? ['Egress'] : [])];
    return types.includes('Ingress') && selects(policy.spec?.podSelector, to.labels);
  });
  if (!selecting.length) return true;
  return selecting.some((policy) =>
    ((policy.spec?.ingress ?? []) as { from?: unknown[]; ports?: { port?: number | string; endPort?: number; protocol?: string }[] }[]).some((rule) => {
      const peerMatches = rule.from === undefined || rule.from.length === 0 || rule.from.some((raw) => {
        const peer = raw as { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown };
        if (peer.ipBlock) return true;
        const inNamespace = peer.namespaceSelector ? selects(peer.namespaceSelector, from.namespaceLabels) : from.namespace === namespace;
        return inNamespace && (peer.podSelector ? selects(peer.podSelector, from.labels) : true);
      });
      const portMatches = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((entry) => {
        if ((entry.protocol ?? 'TCP') !== 'TCP') return false;
        if (entry.port === undefined) return true;
        const first = typeof entry.port === 'number' ? entry.port : to.ports?.[entry.port];
        if (first === undefined) return false;
        return entry.endPort ? port >= first && port <= entry.endPort : port === first;
      });
      return peerMatches && portMatches;
    }),
  );
}
