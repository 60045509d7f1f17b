// Compiled by test/types/express-request.test.ts against the built package, as a consumer
// would: `vibegate` resolves through package.json `exports` to dist/*.d.ts.
import express from 'express'
import { createLogger, type GateRequestContext } from 'vibegate'

const app = express()
const logger = createLogger({ level: 'warn' })

app.get('/vip', (req, res) => {
  const context: GateRequestContext | undefined = req.vibegate
  const rule: string | undefined = req.vibegate?.rule
  const name: string | undefined = req.vibegate?.user?.name
  logger.info({ rule, name, vibes: context?.vibes.length })
  res.send(`hello ${name ?? 'anonymous'}`)
})
