import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLSeq } from 'yaml'
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
 * Applies an edit to a rules text and returns the new text, keeping comments and the layout
 * of the rules it does not touch. It does not validate the result: the caller runs it through
 * the checks of `rules check` like any text. A text that cannot be edited this way (not YAML,
 * no `rules:` list, no rule with that id) is refused with `console_bad_request`.
 */
export function applyRuleEdit(text: string, edit: RuleEdit): string {
  const doc = parseDocument(text)
  if (doc.errors.length > 0)
    throw new ConsoleError(
      'console_bad_request',
      'the rules file does not parse as YAML; fix it in the YAML tab first',
    )
  const rules = doc.get('rules', true)
  if (!isSeq(rules))
    throw new ConsoleError('console_bad_request', 'the rules file has no "rules:" list')
  const seq = rules as YAMLSeq
  const indexOf = (id: string): number => {
    const index = seq.items.findIndex((item) => isMap(item) && item.get('id') === id)
    if (index < 0) throw new ConsoleError('console_bad_request', `no rule has id "${id}"`)
    return index
  }
  switch (edit.op) {
    case 'add': {
      const node = ruleNode(doc, edit.rule)
      const at = clamp(edit.position ?? seq.items.length, seq.items.length)
      seq.items.splice(at, 0, node)
      break
    }
    case 'replace':
      seq.items[indexOf(edit.id)] = ruleNode(doc, edit.rule)
      break
    case 'delete':
      seq.items.splice(indexOf(edit.id), 1)
      break
    case 'move': {
      const from = indexOf(edit.id)
      const [item] = seq.items.splice(from, 1)
      seq.items.splice(clamp(edit.to, seq.items.length), 0, item)
      break
    }
  }
  return doc.toString({ lineWidth: 0 })
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

/** A new rule's node, its lists of scalars (paths, methods, token ids) on one line as people write them. */
function ruleNode(doc: Document, form: RuleForm): ReturnType<Document['createNode']> {
  const node = doc.createNode(ruleObject(form))
  const visit = (n: unknown): void => {
    if (isSeq(n)) {
      if (n.items.length > 0 && n.items.every((i) => isScalar(i))) n.flow = true
      else n.items.forEach(visit)
    } else if (isMap(n)) {
      for (const pair of n.items) visit(pair.value)
    }
  }
  visit(node)
  return node
}

function clamp(n: number, max: number): number {
  return Number.isInteger(n) ? Math.max(0, Math.min(max, n)) : max
}
