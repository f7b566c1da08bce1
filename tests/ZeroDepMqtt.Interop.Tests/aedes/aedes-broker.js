// The aedes broker of the interop tests: `node aedes-broker.js <port> [user password]`.
// In-memory (aedes' default persistence): a restart loses sessions and retained messages.
// Listens on 127.0.0.1 only; exits when its stdin closes, so a crashed test run leaves no broker behind.
// AEDES_WS_PATH=/mqtt serves MQTT over WebSocket (the ws package) on that path instead of plain TCP;
// AEDES_SAS_KEY=<base64 device key> makes it check passwords as Azure IoT Hub checks SAS tokens (resource
// <AEDES_SAS_HUB, default 127.0.0.1>/devices/<client id>, HMAC-SHA256, expiry) and close a connection when its token expires.
// AEDES_TLS_CERT and AEDES_TLS_KEY (PEM files) make it wss; AEDES_TLS_CA also requires a client certificate from that CA.
import net from 'node:net'
import http from 'node:http'
import https from 'node:https'
import fs from 'node:fs'
import crypto from 'node:crypto'
import { Aedes } from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'

const [port, user, password] = process.argv.slice(2)
if (!port) {
  console.error('usage: node aedes-broker.js <port> [user password]')
  process.exit(2)
}

const log = (...args) => console.log(new Date().toISOString().slice(11, 23), ...args)
const aedes = await Aedes.createBroker()

if (user !== undefined) {
  // No error object: aedes then answers CONNACK 5 (not authorized), its default for a refused login.
  aedes.authenticate = (client, username, pass, done) => {
    const ok = username === user && pass !== undefined && pass !== null && pass.toString('utf8') === password
    log('authenticate', client.id, ok ? 'accepted' : 'refused')
    done(null, ok)
  }
}

const sasKey = process.env.AEDES_SAS_KEY
if (sasKey) {
  // Azure's documented steps (Node sample of "Control access to IoT Hub using SAS tokens"), written apart from the client:
  // sr = encodeURIComponent(resource), sig = encodeURIComponent(base64(HMAC-SHA256(key, sr + '\n' + se))).
  const hub = process.env.AEDES_SAS_HUB || '127.0.0.1'
  aedes.authenticate = (client, username, pass, done) => {
    const refuse = reason => { log('sas refused', client.id, reason); done(null, false) }
    const text = pass ? pass.toString('utf8') : ''
    const prefix = 'SharedAccessSignature '
    if (!text.startsWith(prefix)) return refuse('not a SharedAccessSignature')
    const fields = Object.fromEntries(text.slice(prefix.length).split('&').map(f => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]))
    const sr = encodeURIComponent(`${hub}/devices/${client.id}`)
    if (fields.sr !== sr) return refuse(`sr ${fields.sr} is not ${sr}`)
    const se = Number(fields.se)
    const sig = encodeURIComponent(crypto.createHmac('sha256', Buffer.from(sasKey, 'base64')).update(sr + '\n' + fields.se).digest('base64'))
    if (fields.sig !== sig) return refuse('signature does not match')
    const left = se * 1000 - Date.now()
    if (!(left > 0)) return refuse(`expired at ${fields.se}`)
    log('sas accepted', client.id, 'se', fields.se)
    // As the hub does: the connection ends when its token expires (a client object that closed before is left alone).
    setTimeout(() => { if (!client.closed) { log('sas expired, closing', client.id); client.close() } }, left).unref()
    done(null, true)
  }
}

aedes.on('client', client => log('client', client.id))
aedes.on('clientDisconnect', client => log('disconnect', client.id))
aedes.on('clientError', (client, err) => log('client error', client.id, err.message))
aedes.on('connectionError', (client, err) => log('connection error', client?.id, err.message))
aedes.on('subscribe', (subs, client) => log('subscribe', client?.id, subs.map(s => `${s.topic}@${s.qos}`).join(' ')))

const wsPath = process.env.AEDES_WS_PATH
let server
if (wsPath) {
  const tls = process.env.AEDES_TLS_CERT
    ? {
        cert: fs.readFileSync(process.env.AEDES_TLS_CERT),
        key: fs.readFileSync(process.env.AEDES_TLS_KEY),
        ...(process.env.AEDES_TLS_CA ? { ca: fs.readFileSync(process.env.AEDES_TLS_CA), requestCert: true, rejectUnauthorized: true } : {})
      }
    : null
  server = tls ? https.createServer(tls) : http.createServer()
  // ws answers 400 to an upgrade on another path; it picks the first subprotocol the client offers.
  const wss = new WebSocketServer({ server, path: wsPath })
  wss.on('connection', (socket, request) => {
    log('websocket', request.url, 'protocol', socket.protocol || '(none)', tls && process.env.AEDES_TLS_CA ? `client certificate ${request.socket.getPeerCertificate().subject?.CN}` : '')
    aedes.handle(createWebSocketStream(socket))
  })
} else {
  server = net.createServer(aedes.handle)
}
server.listen(Number(port), '127.0.0.1', () => log('listening', port))
server.on('error', err => {
  console.error('server error', err.message)
  process.exit(1)
})

const stop = () => {
  log('stopping')
  server.close()
  aedes.close(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
