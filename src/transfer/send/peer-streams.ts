// How many streams of one protocol each peer has open with this daemon, over
// all its connections: libp2p's maxInboundStreams counts per connection, and
// a peer may open as many connections as it likes.

export class PeerStreams {
  private readonly open = new Map<string, number>()
  private readonly max: number

  constructor (max: number) { this.max = max }

  /** Count one more stream of `peer`; false (not counted) when it has `max` open already. */
  take (peer: string): boolean {
    const n = this.open.get(peer) ?? 0
    if (n >= this.max) return false
    this.open.set(peer, n + 1)
    return true
  }

  /** One stream `take` counted has ended. */
  release (peer: string): void {
    const n = (this.open.get(peer) ?? 0) - 1
    if (n > 0) this.open.set(peer, n); else this.open.delete(peer)
  }
}
