// Contacts as the conversation view's sidebar needs them: one contact and
// the contact's other conversations.
import { http, accountPath } from '@/api/http'
import type { Contact, Conversation, Page } from '@shared/types/api'

export function getContact(id: number, signal?: AbortSignal): Promise<Contact> {
  return http.get<Contact>(accountPath(`/contacts/${id}`), undefined, signal)
}

/** The contact's conversations, newest activity first, every status. */
export function listContactConversations(contactId: number, limit = 10, signal?: AbortSignal): Promise<Page<Conversation>> {
  return http.get<Page<Conversation>>(accountPath('/conversations'), { contact_id: contactId, status: 'all', limit }, signal)
}
