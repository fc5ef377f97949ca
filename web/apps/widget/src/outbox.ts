// The offline queue: sends the visitor's unconfirmed messages one by one, in
// the order they were typed. A message that fails for a passing reason
// (offline, timeout, 429, 5xx) stays queued and is retried with backoff, when
// the browser comes back online, or when the real-time connection returns;
// each retry reuses the message's idempotency key, so the server stores it
// once. A message the server refuses (4xx) is marked failed until the visitor
// retries it.
import { ApiError } from './api'
import type { ChatMessage, MessageStore } from './store'
import type { WireMessage } from './types'

export interface OutboxDeps {
  store: MessageStore
  /** Posts one message (creating the conversation first if needed). */
  send(m: ChatMessage): Promise<WireMessage>
  online(): boolean
  /** Called with every failure, so the UI can say what is going on. */
  onError?(err: ApiError): void
  /** Called after a flush delivered everything. */
  onDrained?(): void
  setTimer?(fn: () => void, ms: number): unknown
  clearTimer?(t: unknown): void
}

export class Outbox {
  private running = false
  private again = false
  private timer: unknown = null
  private attempt = 0

  constructor(private readonly d: OutboxDeps) {}

  /** Sends everything queued; safe to call any time (single flight). */
  async flush(): Promise<void> {
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    try {
      do {
        this.again = false
        await this.run()
      } while (this.again)
    } finally {
      this.running = false
    }
  }

  /** Queues a failed message again and sends it. */
  retry(key: string): Promise<void> {
    this.d.store.setState(key, 'queued')
    return this.flush()
  }

  stop(): void {
    this.cancelTimer()
  }

  private async run(): Promise<void> {
    const { store } = this.d
    for (const m of store.unsent()) {
      if (m.state === 'failed') continue
      if (!this.d.online()) {
        this.queueRest()
        return
      }
      store.setState(m.key, 'sending')
      try {
        const saved = await this.d.send(m)
        store.confirm(m.key, saved)
        this.attempt = 0
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError(0, String(e))
        this.d.onError?.(err)
        if (err.retriable) {
          this.queueRest()
          this.schedule()
          return
        }
        store.setState(m.key, 'failed')
        if (err.sessionEnded) return
      }
    }
    this.cancelTimer()
    this.d.onDrained?.()
  }

  private queueRest(): void {
    for (const m of this.d.store.unsent()) if (m.state !== 'failed') this.d.store.setState(m.key, 'queued')
  }

  /** Backoff 1 s, 2 s, 4 s … 30 s; only while online (the online event flushes otherwise). */
  private schedule(): void {
    this.cancelTimer()
    if (!this.d.online()) return
    const ms = Math.min(30000, 1000 * 2 ** this.attempt++)
    const set = this.d.setTimer ?? ((fn, t) => setTimeout(fn, t))
    this.timer = set(() => {
      this.timer = null
      void this.flush()
    }, ms)
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      const clear = this.d.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>))
      clear(this.timer)
      this.timer = null
    }
  }
}
