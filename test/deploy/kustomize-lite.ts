// Renders a kustomization without kustomize, for the subset deploy/kubernetes uses: resources (files and
// directories), namespace, images, configMapGenerator / secretGenerator with literals (create, merge, replace), and
// patches with a target: JSON 6902 operations (add / replace / remove) or a strategic-merge map (maps merged, lists
// of named items merged by name, other lists replaced). Anything else in a kustomization fails the render, so the
// tests never check a manifest this renderer misread. Generated names carry no hash suffix (kustomize adds one and
// rewrites the references; the checks here compare the names before that).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export type Resource = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
} & Record<string, any>;

interface Generator {
  name: string;
  behavior?: 'create' | 'merge' | 'replace';
  literals?: string[];
}

interface Patch {
  target?: { kind?: string; name?: string };
  patch?: string;
  path?: string;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  patches?: Patch[];
}

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'images',
  'configMapGenerator',
  'secretGenerator',
  'patches',
]);

export function render(dir: string): Resource[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unsupported = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0)
    throw new Error(`${dir}: kustomize-lite does not render ${unsupported.join(', ')}`);

  let resources: Resource[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = join(dir, entry);
    if (existsSync(path) && statSync(path).isDirectory()) resources.push(...render(path));
    else
      resources.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => doc.toJS() as Resource));
  }
  for (const generator of kustomization.configMapGenerator ?? [])
    resources = generate(resources, 'ConfigMap', generator);
  for (const generator of kustomization.secretGenerator ?? [])
    resources = generate(resources, 'Secret', generator);
  for (const patch of kustomization.patches ?? []) applyPatch(dir, resources, patch);
  for (const image of kustomization.images ?? []) setImage(resources, image);
  if (kustomization.namespace) {
    for (const resource of resources) resource.metadata.namespace = kustomization.namespace;
  }
  return resources;
}

function literalsOf(generator: Generator): Record<string, string> {
  return Object.fromEntries(
    (generator.literals ?? []).map((literal) => [
      literal.slice(0, literal.indexOf('=')),
      literal.slice(literal.indexOf('=') + 1),
    ]),
  );
}

/** ConfigMaps and Secrets both keep plain strings in `data` here (kustomize base64-encodes a Secret's). */
function generate(resources: Resource[], kind: 'ConfigMap' | 'Secret', generator: Generator): Resource[] {
  const existing = resources.find((r) => r.kind === kind && r.metadata.name === generator.name);
  const behavior = generator.behavior ?? 'create';
  if (behavior === 'create') {
    if (existing) throw new Error(`${kind} ${generator.name} generated twice`);
    return [
      ...resources,
      { apiVersion: 'v1', kind, metadata: { name: generator.name }, data: literalsOf(generator) },
    ];
  }
  if (!existing) throw new Error(`${kind} ${generator.name}: nothing to ${behavior}`);
  existing.data =
    behavior === 'merge' ? { ...existing.data, ...literalsOf(generator) } : literalsOf(generator);
  return resources;
}

function applyPatch(dir: string, resources: Resource[], patch: Patch): void {
  const text = patch.patch ?? readFileSync(join(dir, patch.path!), 'utf8');
  const body = parse(text) as unknown;
  const named = (name: string | undefined, actual: string) =>
    !name || new RegExp(`^(?:${name})$`).test(actual);
  const targets = resources.filter((r) =>
    patch.target
      ? named(patch.target.kind, r.kind) && named(patch.target.name, r.metadata.name)
      : !Array.isArray(body) &&
        r.kind === (body as Resource).kind &&
        r.metadata.name === (body as Resource).metadata?.name,
  );
  if (targets.length === 0)
    throw new Error(`patch matches nothing: ${JSON.stringify(patch.target ?? text.slice(0, 80))}`);
  for (const target of targets) {
    if (Array.isArray(body)) for (const op of body) applyOperation(target, op);
    else mergeInto(target, body as Record<string, unknown>);
  }
}

function applyOperation(target: Resource, op: { op: string; path: string; value?: unknown }): void {
  const keys = op.path
    .split('/')
    .slice(1)
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  let parent: any = target;
  for (const key of keys) {
    parent = parent?.[Array.isArray(parent) ? Number(key) : key];
    if (parent === undefined) throw new Error(`${target.kind} ${target.metadata.name}: no ${op.path}`);
  }
  const index = Array.isArray(parent) ? (last === '-' ? parent.length : Number(last)) : last;
  if (op.op === 'remove') {
    if (Array.isArray(parent)) parent.splice(index as number, 1);
    else delete parent[last];
  } else if (op.op === 'replace') {
    if (!(index in parent))
      throw new Error(`${target.kind} ${target.metadata.name}: replace of missing ${op.path}`);
    parent[index] = structuredClone(op.value);
  } else if (op.op === 'add') {
    if (Array.isArray(parent)) parent.splice(index as number, 0, structuredClone(op.value));
    else parent[last] = structuredClone(op.value);
  } else throw new Error(`kustomize-lite: unsupported JSON patch op ${op.op}`);
}

function mergeInto(target: any, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (Array.isArray(value) && Array.isArray(current) && value.every((item) => item?.name !== undefined)) {
      for (const item of value) {
        const match = current.find((existing: any) => existing?.name === item.name);
        if (match) mergeInto(match, item);
        else current.push(structuredClone(item));
      }
    } else if (isMap(value) && isMap(current)) mergeInto(current, value);
    else target[key] = structuredClone(value);
  }
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function setImage(resources: Resource[], image: { name: string; newName?: string; newTag?: string }): void {
  for (const resource of resources) {
    const pod =
      resource.kind === 'Job' || resource.kind === 'Deployment' ? resource.spec?.template?.spec : undefined;
    for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      const [name] = String(container.image).split(':');
      if (name !== image.name) continue;
      container.image = `${image.newName ?? name}:${image.newTag ?? 'latest'}`;
    }
  }
}

/** The environment a container starts with: its envFrom ConfigMaps and Secrets, then its env entries. */
export function containerEnv(resources: Resource[], container: any): Record<string, string> {
  const find = (kind: string, name: string) => {
    const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
    if (!found) throw new Error(`${container.name}: ${kind} ${name} is not in the render`);
    return found.data as Record<string, string>;
  };
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, find('ConfigMap', source.configMapRef.name));
    if (source.secretRef) Object.assign(env, find('Secret', source.secretRef.name));
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = String(entry.value);
    else if (entry.valueFrom?.secretKeyRef) {
      env[entry.name] = find('Secret', entry.valueFrom.secretKeyRef.name)[entry.valueFrom.secretKeyRef.key]!;
    } else if (entry.valueFrom?.configMapKeyRef) {
      env[entry.name] = find('ConfigMap', entry.valueFrom.configMapKeyRef.name)[
        entry.valueFrom.configMapKeyRef.key
      ]!;
    }
  }
  return env;
}
