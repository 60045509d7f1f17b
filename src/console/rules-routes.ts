import express, { type NextFunction, type Request, type Response, type Router } from 'express'
import type { VibeCatalog } from '../decision/vibe-catalog.js'
import { escapeHtml } from '../http/html-page.js'
import type { RulesStatus } from '../rules/watch-rules.js'
import type { Logger } from '../util/logger.js'
import type { ConsoleOperator } from './console-access.js'
import type { ConsolePage } from './console-layout.js'
import { stringField } from './console-error.js'
import { errorBody, historyBody, rulesBody, yamlBody } from './console-pages.js'
import { lineDiff } from './line-diff.js'
import { formOfRule, ruleFormBody } from './rule-form.js'
import { applyRuleEdit } from './rule-edits.js'
import { parseRuleEdit } from './rule-edit-schema.js'
import { rulesCards, vibesOf, type VibeInfo } from './rules-cards.js'
import type { RulesEditor } from './rules-editor.js'
import type { Author, RulesHistory } from './rules-history.js'

type Middleware = (req: Request, res: Response, next: NextFunction) => void

/** What {@link rulesRoutes} needs from the console router. */
export interface RulesRoutesDeps {
  /** The rules file (VIBEGATE_RULES), for the pages' hints. */
  rulesFile: string
  editor: RulesEditor
  history: RulesHistory
  /** The rules watcher's status. */
  rulesStatus: () => RulesStatus
  /** Vibe titles and covers for the rule cards. */
  catalog: VibeCatalog
  /** The console's Origin + CSRF check. */
  stateChange: Middleware
  /** The console's bounded JSON body parser. */
  json: Middleware
  /** Renders a console page (layout, CSP nonce, script, data for the script). */
  page: ConsolePage
  logger: Logger
}

/**
 * The rules screens (cards, add and edit forms, raw YAML, history) and their JSON API:
 * `status`, `history`, `check` (the checks of `rules check`), `edit` (a form's change as a
 * previewed text), `save` and `rollback`. Mounted behind the console's operator check; every
 * POST behind its Origin and CSRF check.
 */
export function rulesRoutes(deps: RulesRoutesDeps): Router {
  const { editor, history, page } = deps
  const router = express.Router({ caseSensitive: true, strict: true })
  const author = (res: Response): Author => {
    const { user } = res.locals.operator as ConsoleOperator
    return { id: user.id, name: user.name, uuid: user.uuid }
  }
  const checked = async (proposed: string) => {
    const current = await editor.read()
    const { parsed: _parsed, ...check } = editor.check(proposed)
    return { ...check, base: current.hash, diff: lineDiff(current.text, proposed) }
  }

  router.get('/console', async (_req, res) => {
    const current = await editor.read()
    const check = editor.check(current.text)
    const inputs = check.parsed?.inputs ?? []
    const lines = check.parsed?.rules.rules.map((r) => r.line) ?? []
    const ids = new Set<string>()
    for (const rule of inputs) vibesOf(rule.require, ids)
    const vibes = new Map<string, VibeInfo>()
    for (const unlock of await deps.catalog.unlocks([...ids].map((vibe) => ({ vibe }))))
      if ('vibe' in unlock) vibes.set(unlock.vibe, unlock)
    const cards = rulesCards(inputs, lines, vibes)
    page(res, 200, 'Rules', rulesBody(cards, check, deps.rulesFile), '/console', {
      base: current.hash,
    })
  })
  router.get('/console/rules/new', async (_req, res) => {
    const current = await editor.read()
    page(res, 200, 'Add a rule', ruleFormBody(), '/console/rules/new', { base: current.hash })
  })
  router.get('/console/rules/:id/edit', async (req, res) => {
    const id = req.params.id as string
    const current = await editor.read()
    const rule = editor.check(current.text).parsed?.inputs.find((r) => r.id === id)
    if (!rule) {
      const why = `No rule has the id "${id}" in the file now. It may have been renamed or deleted since the page was loaded.`
      return page(res, 404, 'No such rule', errorBody(why), '/console')
    }
    const form = formOfRule(rule)
    if (typeof form === 'string')
      return page(
        res,
        200,
        `Edit ${id}`,
        `<div class="center"><p>${escapeHtml(form)}</p><p class="toolbar"><a class="button primary" href="/console/yaml">Open the YAML tab</a> <a class="button" href="/console">Back to the rules</a></p></div>`,
        '/console',
      )
    page(res, 200, `Edit ${id}`, ruleFormBody(form), '/console', { base: current.hash })
  })
  router.get('/console/yaml', async (_req, res) => {
    const current = await editor.read()
    const body = yamlBody(current.text, editor.check(current.text), deps.rulesFile)
    page(res, 200, 'Rules file (YAML)', body, '/console/yaml', {
      base: current.hash,
      text: current.text,
    })
  })
  router.get('/console/history', async (_req, res) => {
    const [entries, current] = await Promise.all([history.list(), editor.read()])
    page(res, 200, 'History', historyBody(entries, current.hash), '/console/history')
  })

  router.get('/console/api/status', (_req, res) => {
    res.json(deps.rulesStatus())
  })
  router.get('/console/api/history', async (_req, res) => {
    res.json({ versions: await history.list() })
  })
  router.post('/console/api/check', deps.stateChange, deps.json, async (req, res) => {
    res.json(await checked(stringField(req.body, 'text')))
  })
  router.post('/console/api/edit', deps.stateChange, deps.json, async (req, res) => {
    const edit = parseRuleEdit((req.body as { edit?: unknown } | undefined)?.edit)
    const current = await editor.read()
    const proposed = applyRuleEdit(current.text, edit)
    res.json({ text: proposed, ...(await checked(proposed)) })
  })
  router.post('/console/api/save', deps.stateChange, deps.json, async (req, res) => {
    const saved = await editor.save(
      stringField(req.body, 'text'),
      stringField(req.body, 'base'),
      author(res),
    )
    deps.logger.info(
      { user: author(res).uuid, hash: saved.hash, version: saved.entry.id },
      'rules saved from the console',
    )
    res.json(saved)
  })
  router.post('/console/api/rollback', deps.stateChange, deps.json, async (req, res) => {
    const saved = await editor.rollback(stringField(req.body, 'id'), author(res))
    deps.logger.info(
      { user: author(res).uuid, hash: saved.hash, restored: saved.entry.restored },
      'rules rolled back from the console',
    )
    res.json(saved)
  })
  return router
}
