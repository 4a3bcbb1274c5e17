/**
 * Comment-preserving edits of `ai-registry.yaml` for `modelgate register`.
 *
 * The edit is made twice: once on a `yaml` Document (the reference result, {@link addModelVersion}),
 * and once as a text splice that inserts only the new lines and leaves every other byte of the
 * file as it was. The splice is used only when it parses to exactly the same data, in the same
 * key order, as the Document edit; otherwise the Document is serialized (comments and key order
 * survive, but untouched entries may be re-indented). Either way nothing is ever dropped, and the
 * caller re-validates the result with `parseRegistry` before writing it.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Document, isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Node as YamlNode } from 'yaml'

import { REGISTRY_SCHEMA_ID } from './json-schema.js'

/** One new version, as written under `versions:`. */
export interface VersionFields {
  version: string
  path: string
  sha256: string
  format?: string
  frameworkVersion?: string
}

/** Fields of a model entry that does not exist yet. */
export interface NewModelFields {
  owner?: string
  useCases: string[]
  framework?: string
  source?: string
}

/** Registers `version` under `model`; `newModel` is required when the model is not in the registry. */
export interface RegistryEdit {
  model: string
  version: VersionFields
  newModel?: NewModelFields
}

const STRINGIFY = { lineWidth: 0, minContentWidth: 0 } as const

function versionNode(doc: Document, v: VersionFields): YAMLMap {
  const map = new YAMLMap()
  map.add(doc.createPair('version', v.version))
  map.add(doc.createPair('path', v.path))
  map.add(doc.createPair('sha256', v.sha256))
  if (v.format !== undefined) map.add(doc.createPair('format', v.format))
  if (v.frameworkVersion !== undefined) map.add(doc.createPair('frameworkVersion', v.frameworkVersion))
  return map
}

function modelNode(doc: Document, fields: NewModelFields, version: VersionFields): YAMLMap {
  const map = new YAMLMap()
  if (fields.owner !== undefined) map.add(doc.createPair('owner', fields.owner))
  const useCases = doc.createNode([...fields.useCases]) as YAMLSeq
  useCases.flow = true
  map.add(doc.createPair('useCases', useCases))
  if (fields.framework !== undefined) map.add(doc.createPair('framework', fields.framework))
  if (fields.source !== undefined) map.add(doc.createPair('source', fields.source))
  const versions = new YAMLSeq()
  versions.items.push(versionNode(doc, version))
  map.add(doc.createPair('versions', versions))
  return map
}

/**
 * Adds one version to the Document: appended to the model's `versions` when the model exists,
 * otherwise a new model entry at the end of `models` (created when absent). Throws when the model
 * is new and `newModel` is missing, or when the document's shape cannot take the entry.
 */
export function addModelVersion(doc: Document, edit: RegistryEdit): void {
  let models = doc.get('models', true)
  if (models === undefined || models === null) {
    const fresh = new YAMLMap()
    doc.set('models', fresh)
    models = fresh
  }
  // `models: {}` becomes a block mapping; the node (and its comments) stays.
  if (isMap(models) && models.items.length === 0) models.flow = false
  if (!isMap(models)) throw new Error('`models` in the registry is not a mapping')
  const existing = models.get(edit.model, true) as YamlNode | undefined
  if (existing !== undefined) {
    if (!isMap(existing)) throw new Error(`models.${edit.model} in the registry is not a mapping`)
    const versions = existing.get('versions', true)
    if (!isSeq(versions)) throw new Error(`models.${edit.model}.versions in the registry is not a list`)
    versions.items.push(versionNode(doc, edit.version))
    return
  }
  if (!edit.newModel)
    throw new Error(`model ${edit.model} is not registered yet, so its owner and use cases are needed`)
  models.add(doc.createPair(edit.model, modelNode(doc, edit.newModel, edit.version)))
}

/** Text of a fresh registry: header comment, schema line for editors, and `version: 1`. */
export function newRegistryText(schemaUrl: string = REGISTRY_SCHEMA_ID): string {
  return [
    `# yaml-language-server: $schema=${schemaUrl}`,
    '#',
    '# ModelGate model registry. Every ML model in this repository is listed here with an exact path',
    '# and sha256, linked to an approved use case. `npx modelgate register` adds entries;',
    '# use cases are governance-owned and become trusted once merged to the default branch.',
    'version: 1',
    '',
    '# Use cases are added by governance, for example:',
    '#   churn-prediction:',
    '#     title: Predict customer churn',
    '#     owner: "@acme/growth"',
    '#     status: approved',
    'useCases: {}',
    '',
    'models: {}',
    ''
  ].join('\n')
}

/** YAML of one entry under `models:`, for a central registry that must be edited by a pull request there. */
export function entryYaml(edit: RegistryEdit): string {
  const doc = new Document()
  const root = new YAMLMap()
  const models = new YAMLMap()
  const node = edit.newModel
    ? modelNode(doc, edit.newModel, edit.version)
    : (() => {
        const m = new YAMLMap()
        const versions = new YAMLSeq()
        versions.items.push(versionNode(doc, edit.version))
        m.add(doc.createPair('versions', versions))
        return m
      })()
  models.add(doc.createPair(edit.model, node))
  root.add(doc.createPair('models', models))
  doc.contents = root
  return doc.toString(STRINGIFY)
}

function fragment(node: YamlNode, indent: number): string {
  const doc = new Document()
  doc.contents = node
  const text = doc.toString(STRINGIFY).replace(/\n$/, '')
  const pad = ' '.repeat(indent)
  return text
    .split('\n')
    .map(line => (line === '' ? line : pad + line))
    .join('\n')
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1)
}

/** End of the line holding the last non-blank character before `end` (so a trailing comment stays put). */
function lineEndBefore(text: string, end: number): number {
  let last = Math.min(end, text.length) - 1
  while (last >= 0 && /\s/.test(text[last]!)) last--
  const newline = text.indexOf('\n', last + 1)
  return newline < 0 ? text.length : newline
}

function insertAt(text: string, at: number, lines: string): string {
  return `${text.slice(0, at)}\n${lines}${text.slice(at)}`
}

/** The splice for one edit, or undefined when the layout is not one the splice handles. */
function splice(text: string, doc: Document.Parsed, edit: RegistryEdit): string | undefined {
  const models = doc.get('models', true)
  const scratch = new Document()
  if (isMap(models) && !models.flow && models.items.length > 0 && models.range) {
    const existing = models.get(edit.model, true) as YamlNode | undefined
    if (existing !== undefined) {
      if (!isMap(existing)) return undefined
      const versions = existing.get('versions', true)
      if (!isSeq(versions) || versions.flow || !versions.range || versions.items.length === 0)
        return undefined
      const dash = text.lastIndexOf('-', (versions.items[0] as YamlNode).range?.[0] ?? versions.range[0])
      if (dash < 0) return undefined
      const item = new YAMLSeq()
      item.items.push(versionNode(scratch, edit.version))
      return insertAt(text, lineEndBefore(text, versions.range[1]), fragment(item, columnOf(text, dash)))
    }
    if (!edit.newModel) return undefined
    const firstKey = models.items[0]?.key as YamlNode | undefined
    if (!firstKey?.range) return undefined
    const entry = new YAMLMap()
    entry.add(scratch.createPair(edit.model, modelNode(scratch, edit.newModel, edit.version)))
    return insertAt(
      text,
      lineEndBefore(text, models.range[1]),
      fragment(entry, columnOf(text, firstKey.range[0]))
    )
  }
  if (!edit.newModel) return undefined
  const entry = new YAMLMap()
  entry.add(scratch.createPair(edit.model, modelNode(scratch, edit.newModel, edit.version)))
  const block = fragment(entry, 2)
  if (isMap(models) && models.items.length === 0 && models.range) {
    // `models: {}` becomes a block mapping; a comment after `{}` stays on the `models:` line.
    let start = models.range[0]
    while (start > 0 && text[start - 1] === ' ') start--
    const end = lineEndBefore(text, models.range[1])
    const rest = text.slice(models.range[1], end)
    if (rest.trim() !== '' && !rest.trim().startsWith('#')) return undefined
    return `${text.slice(0, start)}${rest}\n${block}${text.slice(end)}`
  }
  if (models === undefined) {
    const body = text.endsWith('\n') || text === '' ? text : `${text}\n`
    return `${body}models:\n${block}\n`
  }
  return undefined
}

function sameData(a: Document, b: Document): boolean {
  return JSON.stringify(a.toJS()) === JSON.stringify(b.toJS())
}

/**
 * Applies the edits to registry text and returns the new text. Untouched bytes are kept verbatim
 * whenever the splice provably means the same as the Document edit (see the module comment).
 * The input must be a registry that parsed; the caller validates the output again.
 */
export function applyEdits(text: string, edits: readonly RegistryEdit[]): string {
  let current = text
  for (const edit of edits) {
    const reference = parseDocument(current, { keepSourceTokens: false })
    if (reference.errors.length > 0)
      throw new Error(`the registry does not parse: ${reference.errors[0]!.message}`)
    addModelVersion(reference, edit)
    const spliced = splice(current, parseDocument(current), edit)
    if (spliced !== undefined) {
      const check = parseDocument(spliced)
      if (check.errors.length === 0 && sameData(check, reference)) {
        current = spliced
        continue
      }
    }
    current = reference.toString(STRINGIFY)
  }
  return current
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same directory is written, flushed
 * and renamed over the target, so a crash leaves either the old file or the new one, never half.
 * The file's permission bits are kept.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  let mode = 0o644
  try {
    mode = (await stat(path)).mode & 0o777
  } catch {
    // A new file gets the default mode.
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', mode)
  try {
    try {
      await handle.writeFile(text, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
