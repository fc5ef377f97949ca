// Catch-up over REST after a gap longer than real-time history lasts.
import { http, accountPath } from '@/api/http'
import type { EventsPage } from '@shared/types/api'

export function eventsSince(since: number, limit = 100): Promise<EventsPage> {
  return http.get<EventsPage>(accountPath('/events'), { since, limit })
}
