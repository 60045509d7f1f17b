/**
 * The rules file's structure as zod schemas: the one source from which the loader validates
 * and `rules/rules.schema.json` is generated (a test fails when the committed file is stale).
 * Checks that span fields (require xor access, token id ranges, ttl bounds, unique ids) are
 * done by the loader on top of these.
 */
import { z } from 'zod'
import { MAX_PASS_TTL_SECONDS, MAX_TTL_SECONDS } from './compiled-rules.js'
import { parseDuration } from './duration.js'
import { parseHostPattern } from './host-pattern.js'
import { parsePathPattern } from './path-pattern.js'
import { TokenIdSet } from './token-id-set.js'

/** Adds the error a parser reports for a value as a zod issue, so all problems come in one pass. */
const checkedBy =
  (parse: (value: string) => object) =>
  (value: string, ctx: z.core.$RefinementCtx<string>): void => {
    const result = parse(value)
    if ('error' in result) ctx.addIssue({ code: 'custom', message: String(result.error) })
  }

/** Rule ids: `^[a-z0-9][a-z0-9_-]*$`. */
export const RULE_ID = /^[a-z0-9][a-z0-9_-]*$/
/** OurSong vibe ids and user ids, as they appear in URLs. */
export const OURSONG_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
/** A token id, or an inclusive range `"a-b"`. */
export const TOKEN_ID_ENTRY = /^(0|[1-9][0-9]{0,15})(-(0|[1-9][0-9]{0,15}))?$/
/** A duration: seconds as a number, or a string with a unit, e.g. `90s`, `2m`. */
export const DURATION = /^(0|[1-9][0-9]{0,8})(ms|s|m|h)$/
/** HTTP methods a rule may name. HEAD is matched as GET and is not listed. */
export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
/** What a rule or the default may allow without ownership. */
export const ACCESS = ['public', 'authenticated'] as const

const tokenIdEntry = z
  .union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().regex(TOKEN_ID_ENTRY, 'expected a token id or a range like "3-5"'),
  ])
  .meta({ description: 'A token id (1) or an inclusive range ("3-5").' })

/** Holds a vibe, optionally some of its token ids, optionally a minimum amount. */
export const vibeRequirementSchema = z
  .strictObject({
    vibe: z.string().regex(OURSONG_ID, 'expected an OurSong vibe id such as "nxwyqqow"').meta({
      description: 'The OurSong vibe id, e.g. nxwyqqow (from the vibe URL or vibe-list API).',
    }),
    token_ids: z
      .array(tokenIdEntry)
      .min(1)
      .superRefine((entries, ctx) => {
        for (const e of TokenIdSet.parse(entries).errors) {
          ctx.addIssue({ code: 'custom', path: [e.index], message: e.message })
        }
      })
      .optional()
      .meta({
        description: 'Own at least one of these token ids (numbers or "a-b" ranges).',
      }),
    min_amount: z.number().int().positive().optional().meta({
      description:
        'Default 1. Without token_ids: the owned amount; with token_ids: how many of the listed ids.',
    }),
  })
  .meta({ description: 'Holds a vibe.' })

/** Holds any vibe created by an OurSong user. */
export const issuerRequirementSchema = z
  .strictObject({
    issuer: z.string().regex(OURSONG_ID, 'expected an OurSong user id such as "queen"').meta({
      description: 'An OurSong user id: holding any vibe that user created satisfies this.',
    }),
  })
  .meta({ description: 'Holds any vibe this OurSong user created.' })

/** A requirement on the user's holdings. */
export type RequirementInput =
  | z.infer<typeof vibeRequirementSchema>
  | z.infer<typeof issuerRequirementSchema>
  | { any: RequirementInput[] }
  | { all: RequirementInput[] }

/** A requirement: a vibe, an issuer, or `any`/`all` of requirements. */
export const requirementSchema: z.ZodType<RequirementInput> = z.lazy(() =>
  z.union([
    vibeRequirementSchema,
    issuerRequirementSchema,
    z
      .strictObject({ any: z.array(requirementSchema).min(1) })
      .meta({ description: 'At least one of these holds.' }),
    z
      .strictObject({ all: z.array(requirementSchema).min(1) })
      .meta({ description: 'Every one of these holds.' }),
  ]),
)

/** Which requests a rule applies to. */
export const matchSchema = z.strictObject({
  paths: z
    .array(z.string().min(1).superRefine(checkedBy(parsePathPattern)))
    .min(1)
    .meta({
      description:
        'Path patterns: literal segments, * for exactly one segment, ** for zero or more. Case-sensitive; the query is ignored.',
    }),
  methods: z
    .array(z.enum(METHODS))
    .min(1)
    .optional()
    .meta({ description: 'Default: every method. HEAD is matched as GET.' }),
  hosts: z
    .array(z.string().min(1).superRefine(checkedBy(parseHostPattern)))
    .min(1)
    .optional()
    .meta({ description: 'Default: every host. Exact (fans.example.com) or *.example.com.' }),
})

/** The JWT the gate issues when the rule allows. */
export const tokenSchema = z.strictObject({
  ttl: z
    .union([
      z.number().int().positive(),
      z.string().regex(DURATION, 'expected a duration such as "90s" or "2m"'),
    ])
    .superRefine((ttl, ctx) => {
      // zod runs this after a failed branch too; the union has reported that value already.
      if (typeof ttl === 'string' && !DURATION.test(ttl)) return
      const ms = parseDuration(ttl)
      if (ms < 1000 || ms > MAX_TTL_SECONDS * 1000 || ms % 1000 !== 0) {
        ctx.addIssue({
          code: 'custom',
          message: `ttl must be whole seconds from 1s to 15m, got ${JSON.stringify(ttl)}`,
        })
      }
    })
    .optional()
    .meta({
      description: 'Lifetime of the JWT: seconds, or "90s", "2m". Default 120s, at most 15m.',
    }),
  audience: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'The JWT aud claim. Default "vibegate".' }),
})

/** The edge pass a rule hands out when it allows (docs/edge-pass.md). */
export const passSchema = z
  .strictObject({
    ttl: z
      .union([
        z.number().int().positive(),
        z.string().regex(DURATION, 'expected a duration such as "60s" or "2m"'),
      ])
      .superRefine((ttl, ctx) => {
        if (typeof ttl === 'string' && !DURATION.test(ttl)) return
        const ms = parseDuration(ttl)
        if (ms < 1000 || ms > MAX_PASS_TTL_SECONDS * 1000 || ms % 1000 !== 0) {
          ctx.addIssue({
            code: 'custom',
            message: `ttl must be whole seconds from 1s to 5m, got ${JSON.stringify(ttl)}; passes are short-lived by design, write e.g. 60s`,
          })
        }
      })
      .meta({ description: 'How long a pass lets the edge allow without the gate: 1s to 5m.' }),
  })
  .meta({
    description:
      "Optional: the edge (nginx + njs) may allow this rule's GET/HEAD requests for ttl without asking the gate. Needs VIBEGATE_PASS_SECRET; not on public rules; the rule must match GET.",
  })

/** One rule. Exactly one of `require` or `access`. */
export const ruleSchema = z.strictObject({
  id: z
    .string()
    .regex(
      RULE_ID,
      'expected lower-case letters, digits, "-" and "_", starting with a letter or digit',
    )
    .meta({
      description: 'Unique id, ^[a-z0-9][a-z0-9_-]*$; appears in X-Vibegate-Rule and the JWT.',
    }),
  description: z.string().optional(),
  match: matchSchema,
  require: requirementSchema.optional(),
  access: z
    .enum(ACCESS)
    .optional()
    .meta({ description: 'Instead of require: public (anyone) or authenticated (logged in).' }),
  token: tokenSchema.optional(),
  pass: passSchema.optional(),
})

/** The rules file. */
export const rulesFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    default: z.enum(['deny', 'public', 'authenticated']).optional().meta({
      description: 'Requests no rule matches: deny (the default), public or authenticated.',
    }),
    rules: z.array(ruleSchema),
  })
  .meta({ title: 'vibegate rules file', description: 'First match in file order wins.' })

/** The rules file as written, after structural validation. */
export type RulesFileInput = z.infer<typeof rulesFileSchema>
/** One rule as written. */
export type RuleInput = z.infer<typeof ruleSchema>

/** The keys each kind of object may hold, for "did you mean" hints. */
export const KNOWN_KEYS = {
  file: Object.keys(rulesFileSchema.shape),
  rule: Object.keys(ruleSchema.shape),
  match: Object.keys(matchSchema.shape),
  token: Object.keys(tokenSchema.shape),
  pass: Object.keys(passSchema.shape),
  require: ['vibe', 'token_ids', 'min_amount', 'issuer', 'any', 'all'],
} as const

/** The JSON Schema of the rules file, for editors; `rules/rules.schema.json` holds it. */
export function rulesJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rulesFileSchema, { target: 'draft-2020-12', unrepresentable: 'any' })
}
