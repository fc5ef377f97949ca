// What the widget tells the visitor about the conversation and the link.
// ResolvedStatus follows whether the conversation is resolved from three
// sources (snapshots and the visitor's own messages, pushes, refetches)
// so that an older answer never overwrites a newer one. StatusLine is the
// one status line: offline first, then reconnecting, then the last problem.
import type { WireConversation } from './types'
import type { View } from './ui'

const OFFLINE = 'You are offline. Messages will be sent when you are back online.'

export class StatusLine {
  private problem: { text: string; error: boolean } | null = null

  constructor(
    private readonly view: Pick<View, 'setStatus'>,
    /** The live link was up once and is now trying again. */
    private readonly reconnecting: () => boolean,
  ) {}

  /** Sets (or, with null, clears) the problem shown when nothing more urgent is. */
  set(text: string | null, error = false): void {
    this.problem = text ? { text, error } : null
    this.update()
  }

  /** Redraws the line (after a network or connection change). */
  update(): void {
    if (navigator.onLine === false) return this.view.setStatus(OFFLINE)
    if (this.reconnecting()) return this.view.setStatus('Reconnecting…')
    this.view.setStatus(this.problem?.text ?? null, this.problem?.error ?? false)
  }
}

export interface ResolvedHooks {
  /** The conversation followed now (null: none yet). */
  conversationId(): number | null
  /** Shows the resolved state (or not) and keeps it in the session. */
  show(on: boolean): void
  /** The contact's conversations, as the server has them now. */
  conversations(): Promise<WireConversation[]>
  /** Messages still on their way (they reopen the conversation). */
  hasUnsent(): boolean
}

export class ResolvedStatus {
  /** Bumped by every status source, so an older refetch cannot overwrite a newer answer. */
  private seq = 0
  /** The version of the last status push applied (pushes older than it are dropped). */
  private version = 0

  constructor(private readonly h: ResolvedHooks) {}

  /** A conversation snapshot or the visitor's own change: wins over refetches in flight. */
  set(on: boolean): void {
    this.seq++
    this.h.show(on)
  }

  /** Another conversation: its pushes are not compared with the last one's. */
  forget(): void {
    this.version = 0
  }

  /** A status push on the conversation's channel. */
  push(status: string, version?: number): void {
    if (version !== undefined) {
      if (version < this.version) return
      this.version = version
    }
    this.set(status === 'resolved')
  }

  /** Asks the server for the conversation's status (after a resubscription, now and then while polling). */
  async refresh(): Promise<void> {
    const id = this.h.conversationId()
    if (!id) return
    const seq = ++this.seq
    const list = await this.h.conversations()
    if (seq !== this.seq || this.h.conversationId() !== id) return
    const c = list.find((x) => x.id === id)
    if (!c) return
    const resolved = c.status === 'resolved'
    // A message still on its way reopens the conversation: do not show it resolved meanwhile.
    if (resolved && this.h.hasUnsent()) return
    this.h.show(resolved)
  }
}
