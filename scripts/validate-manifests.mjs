#!/usr/bin/env node
// Validates Kubernetes manifests offline, with no cluster and no network.
//
// Two checks per document, because neither library does both:
//  1. kubernetes-models (devDependency): ajv validators generated from the upstream OpenAPI spec.
//     They check required fields, types, enums and formats, but accept unknown fields.
//  2. Unknown fields: @kubernetes/client-node (a runtime dependency) carries the OpenAPI field
//     table of every model (attributeTypeMap). Walking it catches the typos that the API server
//     rejects with `strict decoding error: unknown field` (kubectl --validate=strict, the default
//     since 1.25), e.g. `readOnlyRootFileSystem`.
//
// Usage: node scripts/validate-manifests.mjs FILE...   (multi-document YAML; `-` reads stdin)
// Prints {"documents": N, "errors": ["<file> <Kind>/<name>: <path>: <message>", ...]} and exits 1
// when there are errors. Documents whose apiVersion/kind are not built-in Kubernetes types (CRDs)
// are reported as errors too: this chart ships none.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);

/** "apps/v1" -> { group: "apps", version: "v1" }; "v1" -> { group: "", version: "v1" }. */
function splitApiVersion(apiVersion) {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function modelsClass(apiVersion, kind) {
  const { group, version } = splitApiVersion(apiVersion);
  const modulePath =
    group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  try {
    return require(modulePath)[kind];
  } catch {
    return undefined;
  }
}

/** client-node names a model <Version><Kind>: V1Deployment, V2HorizontalPodAutoscaler. */
function clientNodeModel(apiVersion, kind) {
  const { version } = splitApiVersion(apiVersion);
  return k8s[`${version[0].toUpperCase()}${version.slice(1)}${kind}`];
}

const PRIMITIVES = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  Date: (v) => typeof v === 'string',
  IntOrString: (v) => typeof v === 'string' || Number.isInteger(v),
  any: () => true,
  object: () => true,
};

/** Reports fields the OpenAPI model does not have, and primitive type mismatches. */
function unknownFields(value, type, path, errors) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) errors.push(`${path}: expected a list`);
    else value.forEach((item, i) => unknownFields(item, array[1], `${path}[${i}]`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== 'object' || Array.isArray(value)) errors.push(`${path}: expected a map`);
    else
      for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}.${k}`, errors);
    return;
  }
  if (type in PRIMITIVES) {
    if (!PRIMITIVES[type](value))
      errors.push(`${path}: expected ${type}, got ${JSON.stringify(value)}`);
    return;
  }
  const model = k8s[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function') return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.push(`${path}: expected an object (${type})`);
    return;
  }
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, child] of Object.entries(value)) {
    const childType = attributes.get(key);
    if (childType === undefined) errors.push(`${path}.${key}: unknown field (${type})`);
    else unknownFields(child, childType, `${path}.${key}`, errors);
  }
}

export function validateDocument(doc) {
  const errors = [];
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return ['not a mapping'];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return ['missing apiVersion/kind'];
  const Model = modelsClass(apiVersion, kind);
  const clientModel = clientNodeModel(apiVersion, kind);
  if (!Model || !clientModel) return [`${apiVersion} ${kind} is not a built-in Kubernetes type`];
  try {
    new Model(doc).validate();
  } catch (err) {
    const details = Array.isArray(err?.errors)
      ? err.errors.map((e) => `${e.instancePath || '/'}: ${e.message}`)
      : [String(err?.message ?? err)];
    errors.push(...details);
  }
  unknownFields(doc, clientModel.name, '', errors);
  return errors;
}

function main(files) {
  const errors = [];
  let documents = 0;
  for (const file of files) {
    const text = readFileSync(file === '-' ? 0 : file, 'utf8');
    for (const parsed of parseAllDocuments(text)) {
      if (parsed.errors.length > 0) {
        errors.push(`${file}: YAML: ${parsed.errors.map((e) => e.message).join('; ')}`);
        continue;
      }
      const doc = parsed.toJS();
      if (doc === null) continue; // empty document between separators
      documents += 1;
      const where = `${file} ${doc?.kind}/${doc?.metadata?.name}`;
      for (const e of validateDocument(doc)) errors.push(`${where}: ${e}`);
    }
  }
  process.stdout.write(JSON.stringify({ documents, errors }, null, 2) + '\n');
  process.exitCode = errors.length > 0 ? 1 : 0;
}

main(process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['-']);
