import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** True when openssl is installed (it makes the throwaway CA and certificates). */
export const haveOpenssl = existsSync('/usr/bin/openssl')

/** A throwaway CA and the certificates it signed, as PEM files in `dir`. */
export interface TestCertificates {
  dir: string
  /** The CA certificate: what a client must trust (NODE_EXTRA_CA_CERTS, redis-cli --cacert). */
  caFile: string
  /** The server's certificate (CN localhost, SAN IP:127.0.0.1, DNS:localhost) and key. */
  serverCert: string
  serverKey: string
  /** A client certificate and key (extendedKeyUsage clientAuth) for mutual TLS. */
  clientCert: string
  clientKey: string
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 15_000 })
}

/**
 * Makes a throwaway CA (EC P-256, one day) in `dir`, and with it a server certificate for
 * 127.0.0.1 and localhost and a client certificate, with the openssl command-line tool.
 */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const days = ['-days', '1']
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  await openssl(
    dir,
    'req',
    '-x509',
    ...ec,
    ...days,
    '-subj',
    '/CN=vibegate test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  )
  const leaf = async (name: string, cn: string, extensions: string[]): Promise<void> => {
    await writeFile(join(dir, `${name}.ext`), [...extensions, ''].join('\n'))
    await openssl(
      dir,
      'req',
      ...ec,
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    )
    await openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(Date.now()),
      ...days,
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    )
  }
  // clientAuth too: a node of a TLS cluster (--tls-cluster) or a replica presents this
  // certificate as a client, and the cluster bus always asks for one.
  await leaf('server', 'localhost', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ])
  await leaf('client', 'vibegate test client', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
  ])
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  }
}

/** A redis-server that listens on TLS only and requires a password. */
export interface TlsRedis {
  /** Its TLS port (there is no plaintext port: `--port 0`). */
  port: number
  password: string
  /** The CA that signed its certificate. */
  caFile: string
  certificates: TestCertificates
  /** `rediss://:PASSWORD@127.0.0.1:PORT`. */
  url: string
  /** Its log file (handshake failures are logged there). */
  logFile: string
  /** Runs redis-cli over TLS (trusting the CA, with the password); resolves to its stdout. */
  cli(...args: string[]): Promise<string>
  /** The log so far. */
  log(): Promise<string>
  /** Kills the server and removes the directory (certificates, log). */
  stop(): Promise<void>
}

/** Options of {@link startTlsRedis}. */
export interface TlsRedisOptions {
  /** The TLS port; the first free port from here up is taken (default 16379). */
  port?: number
  /** The `requirepass`; default a fixed test password with characters URLs must escape. */
  password?: string
  /** `--tls-auth-clients`: `no` (default; no client certificate asked), `optional` or `yes`. */
  authClients?: 'no' | 'optional' | 'yes'
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * Makes a throwaway CA and server certificate with openssl in a temporary directory, then
 * starts `redis-server --port 0 --tls-port PORT ... --requirepass PASSWORD` (Debian's
 * redis-server is built with TLS) on 127.0.0.1, below the ephemeral port range. Resolves
 * once it answers PING over TLS.
 */
export async function startTlsRedis(options: TlsRedisOptions = {}): Promise<TlsRedis> {
  const password = options.password ?? 'tls/test:p@ss w0rd'
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-redis-tls-'))
  let child: ChildProcess | undefined
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()))
      child.kill('SIGKILL')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const certificates = await makeTestCertificates(dir)
    let port = options.port ?? 16_379
    while (!(await portIsFree(port))) {
      port++
      if (port > 21_999) throw new Error('startTlsRedis: no free port up to 21999')
    }
    const logFile = join(dir, 'redis.log')
    // prettier-ignore
    const args = [
      '--port', '0',
      '--tls-port', String(port),
      '--bind', '127.0.0.1',
      '--tls-cert-file', certificates.serverCert,
      '--tls-key-file', certificates.serverKey,
      '--tls-ca-cert-file', certificates.caFile,
      '--tls-auth-clients', options.authClients ?? 'no',
      '--requirepass', password,
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--logfile', logFile,
    ]
    child = spawn('redis-server', args, { stdio: 'ignore', cwd: dir })
    child.on('error', () => undefined)
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()))
    const cli = async (...cliArgs: string[]): Promise<string> => {
      const mutual =
        options.authClients === 'yes'
          ? ['--cert', certificates.clientCert, '--key', certificates.clientKey]
          : []
      const { stdout } = await run(
        'redis-cli',
        // prettier-ignore
        [
          '--tls', '--cacert', certificates.caFile, ...mutual,
          '-h', '127.0.0.1', '-p', String(port),
          '-a', password, '--no-auth-warning',
          ...cliArgs,
        ],
        { timeout: 10_000 },
      )
      return stdout
    }
    const end = Date.now() + 10_000
    for (;;) {
      let why = ''
      try {
        if ((await cli('PING')).includes('PONG')) break
      } catch (err) {
        why = (err as Error).message
      }
      let gone = false
      await Promise.race([exited.then(() => (gone = true)), new Promise((r) => setTimeout(r, 100))])
      if (gone || Date.now() > end) {
        const log = await readFile(logFile, 'utf8').catch(() => '')
        throw new Error(
          `startTlsRedis: redis-server on TLS port ${port} ${gone ? 'exited' : 'did not answer PING within 10 s'} (${why})\n${log}`,
        )
      }
    }
    return {
      port,
      password,
      caFile: certificates.caFile,
      certificates,
      url: `rediss://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
      logFile,
      cli,
      log: () => readFile(logFile, 'utf8').catch(() => ''),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
