import { z } from 'zod'
import { ConsoleError } from './console-error.js'
import type { RuleEdit } from './rule-edits.js'

const text = (max: number) => z.string().max(max)
const form = z.strictObject({
  id: text(128),
  description: text(1000).optional(),
  paths: z.array(text(1024)).max(100),
  methods: z.array(text(16)).max(10).optional(),
  hosts: z.array(text(256)).max(100).optional(),
  vibe: text(64).optional(),
  tokenIds: z
    .array(z.union([z.number(), text(64)]))
    .max(1000)
    .optional(),
  access: z.enum(['public', 'authenticated']).optional(),
  ttl: text(16).optional(),
})
const edit = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add'), rule: form, position: z.number().int().optional() }),
  z.strictObject({ op: z.literal('replace'), id: text(128), rule: form }),
  z.strictObject({ op: z.literal('delete'), id: text(128) }),
  z.strictObject({ op: z.literal('move'), id: text(128), to: z.number().int() }),
])

/**
 * The edit a console request body carries, checked for shape only (the rules checks judge the
 * result); `console_bad_request` naming the field otherwise. Exactly one of `vibe` and `access`.
 */
export function parseRuleEdit(value: unknown): RuleEdit {
  const parsed = edit.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ConsoleError('console_bad_request', `edit.${issue.path.join('.')}: ${issue.message}`)
  }
  const e = parsed.data
  if (
    (e.op === 'add' || e.op === 'replace') &&
    (e.rule.vibe === undefined) === (e.rule.access === undefined)
  )
    throw new ConsoleError(
      'console_bad_request',
      'edit.rule: give a vibe id or an access, not both',
    )
  return e as RuleEdit
}
