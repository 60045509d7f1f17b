import { Document, isMap, isScalar, isSeq, parseDocument, type YAMLSeq } from 'yaml'
import { ConsoleError } from './console-error.js'

/** A rule as the console's form describes it (no YAML needed). */
export interface RuleForm {
  id: string
  description?: string
  /** One or more path patterns. */
  paths: string[]
  /** Empty or absent: every method. */
  methods?: string[]
  /** Empty or absent: every host. */
  hosts?: string[]
  /** Exactly one of `vibe` (ownership) and `access`. */
  vibe?: string
  /** Token ids and ranges (`1`, `"3-5"`); only with `vibe`. */
  tokenIds?: (number | string)[]
  access?: 'public' | 'authenticated'
  /** `90s`, `2m`; absent: the default 120 s. */
  ttl?: string
}

/** An edit of the rules file's rule list. */
export type RuleEdit =
  | { op: 'add'; rule: RuleForm; position?: number }
  | { op: 'replace'; id: string; rule: RuleForm }
  | { op: 'delete'; id: string }
  | { op: 'move'; id: string; to: number }

/**
 * Applies an edit to a rules text and returns the new text. Only the rules it touches change:
 * the text is cut into one block per rule (the rule with the comment lines above it) and the
 * blocks are removed, moved or added as text, so every other line, comment and quoting stays
 * as the operator wrote it. It does not validate the result: the caller runs it through the
 * checks of `rules check` like any text. A text that cannot be edited this way (not YAML, no
 * `rules:` list in block style, no rule with that id) is refused with `console_bad_request`.
 */
export function applyRuleEdit(text: string, edit: RuleEdit): string {
  const doc = parseDocument(text)
  if (doc.errors.length > 0)
    throw new ConsoleError(
      'console_bad_request',
      'the rules file does not parse as YAML; fix it in the YAML tab first',
    )
  const rules = doc.get('rules', true)
  if (!isSeq(rules) || (rules as YAMLSeq).flow || (rules as YAMLSeq).items.length === 0)
    throw new ConsoleError(
      'console_bad_request',
      'the form needs a "rules:" list written one rule per "- " item; edit it in the YAML tab',
    )
  const seq = rules as YAMLSeq
  const source = text.endsWith('\n') ? text : `${text}\n`
  const { head, blocks, tail, indent } = cutBlocks(source, seq)
  const indexOf = (id: string): number => {
    const index = seq.items.findIndex((item) => isMap(item) && item.get('id') === id)
    if (index < 0) throw new ConsoleError('console_bad_request', `no rule has id "${id}"`)
    return index
  }
  const written = (form: RuleForm): string => `\n${ruleText(form, indent)}`
  switch (edit.op) {
    case 'add':
      blocks.splice(clamp(edit.position ?? blocks.length, blocks.length), 0, written(edit.rule))
      break
    case 'replace': {
      const i = indexOf(edit.id)
      blocks[i] = written(edit.rule)
      break
    }
    case 'delete':
      blocks.splice(indexOf(edit.id), 1)
      break
    case 'move': {
      const [block] = blocks.splice(indexOf(edit.id), 1)
      blocks.splice(clamp(edit.to, blocks.length), 0, block!)
      break
    }
  }
  return `${head}${blocks.join('')}${tail}`
}

/** The text before the first rule, one block per rule (with the comments above it), the rest. */
function cutBlocks(
  text: string,
  seq: YAMLSeq,
): { head: string; blocks: string[]; tail: string; indent: string } {
  const lineStart = (pos: number): number => text.lastIndexOf('\n', pos - 1) + 1
  const ends = seq.items.map((item) => {
    const range = (item as { range?: [number, number, number] }).range!
    let k = range[1]
    while (k > range[0] && /\s/.test(text[k - 1]!)) k--
    const nl = text.indexOf('\n', k)
    return nl < 0 ? text.length : nl + 1
  })
  const firstRange = (seq.items[0] as { range?: [number, number, number] }).range!
  let start = lineStart(firstRange[0])
  const indent = /^( *)/.exec(text.slice(start))![1]!
  // Comment and blank lines right above the first rule belong to it.
  for (;;) {
    const prev = lineStart(start - 1)
    if (start === 0 || !/^\s*(#.*)?\n$/.test(text.slice(prev, start))) break
    start = prev
  }
  const blocks = ends.map((end, i) => text.slice(i === 0 ? start : ends[i - 1]!, end))
  return { head: text.slice(0, start), blocks, tail: text.slice(ends[ends.length - 1]!), indent }
}

/** A new rule as YAML lines at the list's indentation; lists of scalars on one line. */
function ruleText(form: RuleForm, indent: string): string {
  const doc = new Document([ruleObject(form)])
  const visit = (n: unknown): void => {
    if (isSeq(n)) {
      if (n.items.length > 0 && n.items.every((i) => isScalar(i))) n.flow = true
      else n.items.forEach(visit)
    } else if (isMap(n)) {
      for (const pair of n.items) visit(pair.value)
    }
  }
  visit(doc.contents)
  return doc
    .toString({ lineWidth: 0, flowCollectionPadding: false })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `${indent}${line}\n`)
    .join('')
}

/** The plain object a form's rule is written as, keys in the order of the contract's example. */
export function ruleObject(form: RuleForm): Record<string, unknown> {
  const match: Record<string, unknown> = { paths: form.paths }
  if (form.methods?.length) match.methods = form.methods
  if (form.hosts?.length) match.hosts = form.hosts
  const rule: Record<string, unknown> = { id: form.id }
  if (form.description) rule.description = form.description
  rule.match = match
  if (form.vibe !== undefined) {
    rule.require = {
      vibe: form.vibe,
      ...(form.tokenIds?.length ? { token_ids: form.tokenIds } : {}),
    }
  }
  if (form.access !== undefined) rule.access = form.access
  if (form.ttl) rule.token = { ttl: form.ttl }
  return rule
}

function clamp(n: number, max: number): number {
  return Number.isInteger(n) ? Math.max(0, Math.min(max, n)) : max
}
