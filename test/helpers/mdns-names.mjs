// Listens to mDNS (224.0.0.251:5353) on the interface of address argv[2] for
// argv[3] ms, in whatever network namespace it is run in (`ip netns exec`),
// and prints as JSON the names that the packets it heard ask about (their
// questions) and answer with (their answers' owner names). Shares the port
// with the daemons there (SO_REUSEADDR), as every mDNS responder does.
// Parses only as much of DNS (RFC 1035) as names take.

import { createSocket } from 'node:dgram'

const [iface, ms] = [process.argv[2], Number(process.argv[3])]
const questions = new Set()
const answers = new Set()

/** The name at `at` (labels, or a pointer to them), and where what follows it starts. */
function nameAt (msg, at) {
  const labels = []
  let end
  for (let hops = 0; hops < 32; hops++) {
    const len = msg[at]
    if (len === undefined) throw new Error('cut short')
    if ((len & 0xc0) === 0xc0) {
      end ??= at + 2
      at = ((len & 0x3f) << 8) | msg[at + 1]
      continue
    }
    if (len === 0) return { name: labels.join('.'), next: end ?? at + 1 }
    labels.push(msg.subarray(at + 1, at + 1 + len).toString('utf8'))
    at += 1 + len
  }
  throw new Error('too many pointers')
}

function read (msg) {
  const qd = msg.readUInt16BE(4)
  const an = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10)
  let at = 12
  for (let i = 0; i < qd; i++) {
    const { name, next } = nameAt(msg, at)
    questions.add(name)
    at = next + 4
  }
  for (let i = 0; i < an; i++) {
    const { name, next } = nameAt(msg, at)
    answers.add(name)
    at = next + 10 + msg.readUInt16BE(next + 8)
  }
}

const socket = createSocket({ type: 'udp4', reuseAddr: true })
socket.on('message', (msg) => { try { read(msg) } catch {} })
socket.bind(5353, () => {
  socket.addMembership('224.0.0.251', iface)
  setTimeout(() => {
    socket.close()
    process.stdout.write(JSON.stringify({ questions: [...questions], answers: [...answers] }) + '\n')
  }, ms)
})
