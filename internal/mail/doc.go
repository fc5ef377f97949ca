// Package mail sends agents' replies in conversations of email inboxes to
// the contact, by SMTP, through the durable "email" job queue.
//
// # The path of one reply
//
// conversation.Service.Post stores an agent's (or the AI's) public reply
// in a conversation of an email inbox whose contact has an address, and in
// the same transaction records a pending delivery (store.EmailDelivery,
// with the RFC 5322 Message-ID the email will carry) and inserts a
// SendArgs job. A rolled-back reply leaves neither behind; a committed one
// always has both.
//
// The Worker then, for each job:
//
//  1. reads the delivery, the message, the conversation, its contact,
//     inbox and agent in one account transaction. A delivery already marked
//     sent ends the job: a retried or rescued job sends nothing twice. A
//     delivery that cannot be sent (no SMTP configured, the message or the
//     contact's address gone, an invalid address) is marked failed with the
//     reason in last_error, and the job is cancelled;
//  2. takes a slot of the queue's rate (500 per hour across every worker
//     process by default); over the rate the job is snoozed, not failed;
//  3. sends the email by SMTP outside any database transaction (SQLite has
//     one writer, and a slow server must not hold it);
//  4. records the result in a second transaction: sent; or the error and
//     one more attempt, and the job is retried with backoff (a 4xx answer,
//     a network error) or, for an answer no retry can change (5xx to the
//     recipient or the message) and after the last attempt, failed.
//
// # At least once on the wire, once in the mailbox
//
// The send (3) and its record (4) cannot be one atomic step: SMTP is not
// part of the database transaction. If the process dies, or the database
// is unreachable, after the server accepted the email and before the
// delivery is marked sent, the job runs again (River retries it, or rescues
// it once its worker is gone) and sends the email a second time. That
// second copy carries the same Message-ID header, fixed when the reply was
// stored, and the same Date and body, so a mailbox or client that
// collapses messages by Message-ID (Gmail does, as do MTAs and delivery
// agents with duplicate suppression) shows it once. The guarantee is
// therefore at least once on the wire and, where duplicates are collapsed
// by Message-ID, once in the mailbox. A committed reply is never silently
// dropped: it is sent, or its delivery says why it was not.
package mail
