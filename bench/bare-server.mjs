// The reference of `npm run bench`: a bare node:http handler answering 200 with three small
// headers (the shape of an allow, without the work), in a process of its own. PORT from the
// environment; SIGTERM ends it.
import { createServer } from 'node:http'

const server = createServer((_req, res) => {
  res.setHeader('Authorization', 'Bearer x')
  res.setHeader('X-Vibegate-User', 'u')
  res.setHeader('X-Vibegate-Rule', 'r')
  res.end()
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
