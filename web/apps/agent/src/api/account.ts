// The account itself (name) and allPages, the cursor follower the admin
// API modules share for screens that need every row of a list.
import { http, accountPath, type Page, type Query } from '@/api/http'
import type { Account } from '@shared/types/admin'

/** Safety stop for a server that keeps answering cursors. */
const MAX_PAGES = 100

/**
 * allPages fetches a keyset-paginated list to its end, passing each
 * next_cursor back as `cursor`.
 */
export async function allPages<T>(path: string, query: Query = {}): Promise<T[]> {
  const rows: T[] = []
  let cursor: string | null = null
  for (let i = 0; i < MAX_PAGES; i++) {
    const q: Query = cursor ? { ...query, cursor } : query
    const page: Page<T> = await http.get<Page<T>>(path, q)
    rows.push(...page.data)
    cursor = page.next_cursor
    if (!cursor) break
  }
  return rows
}

/** The current account. */
export function getAccount(): Promise<Account> {
  return http.get<Account>(accountPath(''))
}

/** Renames the current account (administrators). */
export function updateAccount(body: { name: string }): Promise<Account> {
  return http.patch<Account>(accountPath(''), body)
}
