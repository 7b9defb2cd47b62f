// Persistent address book and trust table. Plain rows in, plain rows out.

import { statementCache, type Db } from './db.ts'

/** `connectAddr`: the address given with `ferry connect` that the peer answered at, kept until it is unpaired (peer-table.ts) */
export interface PeerRow { peerId: string, name: string, addrs: string[], lastSeen: number, connectAddr?: string }
export interface TrustRow { peerId: string, name: string, fingerprint: string, pairedAt: number, autoAccept: boolean }

export class PeerStore {
  private readonly stmt: ReturnType<typeof statementCache>
  constructor (db: Db) { this.stmt = statementCache(db) }

  upsert (p: PeerRow): void {
    this.stmt(`INSERT INTO peers (peer_id, name, addrs, last_seen, connect_addr) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(peer_id) DO UPDATE SET name = excluded.name, addrs = excluded.addrs, last_seen = excluded.last_seen, connect_addr = excluded.connect_addr`)
      .run(p.peerId, p.name, JSON.stringify(p.addrs), p.lastSeen, p.connectAddr ?? null)
  }

  remove (peerId: string): void {
    this.stmt('DELETE FROM peers WHERE peer_id = ?').run(peerId)
  }

  all (): PeerRow[] {
    return (this.stmt('SELECT peer_id, name, addrs, last_seen, connect_addr FROM peers').all() as any[])
      .map((r) => ({ peerId: r.peer_id, name: r.name, addrs: JSON.parse(r.addrs), lastSeen: r.last_seen, ...(r.connect_addr != null ? { connectAddr: r.connect_addr } : {}) }))
  }
}

export class TrustStore {
  private readonly stmt: ReturnType<typeof statementCache>
  constructor (db: Db) { this.stmt = statementCache(db) }

  /** Trust `t.peerId`; an unpairing of it not yet told is not to be told any more (it undid the new pairing). */
  add (t: TrustRow): void {
    this.stmt('DELETE FROM untold_unpairs WHERE peer_id = ?').run(t.peerId)
    this.stmt(`INSERT INTO trust (peer_id, name, fingerprint, paired_at, auto_accept) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(peer_id) DO UPDATE SET name = excluded.name, fingerprint = excluded.fingerprint, paired_at = excluded.paired_at`)
      .run(t.peerId, t.name, t.fingerprint, t.pairedAt, t.autoAccept ? 1 : 0)
  }

  remove (peerId: string): boolean {
    return Number(this.stmt('DELETE FROM trust WHERE peer_id = ?').run(peerId).changes) > 0
  }

  get (peerId: string): TrustRow | undefined {
    const r = this.stmt('SELECT * FROM trust WHERE peer_id = ?').get(peerId) as any
    return r == null ? undefined : toTrust(r)
  }

  isPaired (peerId: string): boolean {
    return this.stmt('SELECT 1 FROM trust WHERE peer_id = ?').get(peerId) != null
  }

  setAutoAccept (peerId: string, on: boolean): boolean {
    return Number(this.stmt('UPDATE trust SET auto_accept = ? WHERE peer_id = ?').run(on ? 1 : 0, peerId).changes) > 0
  }

  all (): TrustRow[] {
    return (this.stmt('SELECT * FROM trust').all() as any[]).map(toTrust)
  }

  /** `peerId` was unpaired here and could not be told: tell it when it is next online. */
  markUntold (peerId: string): void {
    this.stmt('INSERT OR REPLACE INTO untold_unpairs (peer_id, unpaired_at) VALUES (?, ?)').run(peerId, Date.now())
  }

  /** Whether `peerId` is still to be told it was unpaired (and is not paired again). */
  isUntold (peerId: string): boolean {
    return this.stmt('SELECT 1 FROM untold_unpairs WHERE peer_id = ?').get(peerId) != null
  }

  /** The peers still to be told they were unpaired. */
  untold (): string[] {
    return (this.stmt('SELECT peer_id FROM untold_unpairs').all() as Array<{ peer_id: string }>).map((r) => r.peer_id)
  }

  clearUntold (peerId: string): void {
    this.stmt('DELETE FROM untold_unpairs WHERE peer_id = ?').run(peerId)
  }
}

function toTrust (r: any): TrustRow {
  return { peerId: r.peer_id, name: r.name, fingerprint: r.fingerprint, pairedAt: r.paired_at, autoAccept: r.auto_accept === 1 }
}
