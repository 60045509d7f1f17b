import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'

/** examples/kubernetes, absolute. */
export const KUBERNETES_DIR = fileURLToPath(new URL('../../examples/kubernetes/', import.meta.url))

/** A Kubernetes object as parsed from a manifest: only what every object has is typed. */
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; [key: string]: unknown }
  [key: string]: unknown
}

/** One YAML document of a file in examples/kubernetes. */
export interface ManifestDocument {
  file: string
  /** 0-based index of the document in its file. */
  index: number
  object: Manifest
}

/** The YAML files of examples/kubernetes, sorted. */
export function manifestFiles(): string[] {
  return readdirSync(KUBERNETES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
}

/**
 * Every document of `file` (a name in examples/kubernetes), parsed strictly: a YAML error or
 * warning, a duplicate key or an empty document throws, naming the file.
 */
export function readManifests(file: string): ManifestDocument[] {
  const text = readFileSync(join(KUBERNETES_DIR, file), 'utf8')
  return parseAllDocuments(text, { uniqueKeys: true, strict: true, prettyErrors: true }).map(
    (doc, index) => {
      const problems = [...doc.errors, ...doc.warnings]
      if (problems.length > 0)
        throw new Error(`${file}, document ${index + 1}: ${problems.map(String).join('; ')}`)
      const object = doc.toJS() as Manifest | null
      if (object === null || typeof object !== 'object')
        throw new Error(`${file}, document ${index + 1}: not an object`)
      return { file, index, object }
    },
  )
}

/** Every Kubernetes object of the example (kustomization.yaml is not one). */
export function allManifests(): ManifestDocument[] {
  return manifestFiles()
    .filter((file) => file !== 'kustomization.yaml')
    .flatMap(readManifests)
}

/** The one object of `kind` named `name` in the example; throws when there is not exactly one. */
export function findManifest<T = Manifest>(kind: string, name: string): T {
  const found = allManifests().filter(
    ({ object }) => object.kind === kind && object.metadata.name === name,
  )
  if (found.length !== 1)
    throw new Error(`examples/kubernetes has ${found.length} ${kind} named ${name}, not one`)
  return found[0]!.object as T
}
