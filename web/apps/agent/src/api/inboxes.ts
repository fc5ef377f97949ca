// Inboxes of the current account: the channels customers write in through.
// Administrators also get each inbox's identity-verification secret. A
// web-widget inbox also carries its pre-chat form settings (prechat_enabled,
// prechat_require_email, prechat_message), sent with create and update.
import { http, accountPath } from '@/api/http'
import { allPages } from '@/api/account'
import type { Inbox, InboxInput, InboxPatch } from '@shared/types/admin'

export function listInboxes(): Promise<Inbox[]> {
  return allPages<Inbox>(accountPath('/inboxes'))
}

export function getInbox(id: number): Promise<Inbox> {
  return http.get<Inbox>(accountPath(`/inboxes/${id}`))
}

export function createInbox(input: InboxInput): Promise<Inbox> {
  return http.post<Inbox>(accountPath('/inboxes'), input)
}

export function updateInbox(id: number, patch: InboxPatch): Promise<Inbox> {
  return http.patch<Inbox>(accountPath(`/inboxes/${id}`), patch)
}

/** Deletes the inbox and all its conversations. */
export function deleteInbox(id: number): Promise<void> {
  return http.del(accountPath(`/inboxes/${id}`))
}
