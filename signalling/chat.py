"""Chat: stored with the meeting, written in batches so that a busy room costs one transaction per batch.

A worker's chat messages wait in one queue; one task writes whatever has gathered in a single transaction (a
block of seqs per meeting from one atomic update, then one insert) and publishes the events in order. Quiet
rooms see a batch of one, so a message costs one transaction; busy ones share it. The sender's consumer does
not wait for the write, so its offers and candidates never queue behind the database.
"""

import asyncio
import logging
from collections import Counter

from channels.db import database_sync_to_async
from django.db import connection, transaction

from signalling import protocol
from signalling.models import ChatMessage, Meeting, Participant
from signalling.protocol import UserError
from signalling.publish import apublish
from signalling.roster import HIDDEN_ROLES, SEATED, Outbox, describe_chat

log = logging.getLogger(__name__)
BATCH_LIMIT = 500


def take_seqs(meeting_id, count):
    """Take `count` consecutive seqs of a meeting atomically; return the first."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Meeting._meta.db_table} SET seq = seq + %s WHERE id = %s RETURNING seq",
                       [count, meeting_id])
        return cursor.fetchone()[0] - count + 1


def store_chat_messages(requests):
    """Store [(sender peer id, text, addressee peer id or None)] in one transaction.

    Return, for each request in order, (Outbox, the message as its sender sees it) or the UserError refusing it.
    """
    with transaction.atomic():
        senders = {p.peer_id: p for p in Participant.objects.filter(peer_id__in={r[0] for r in requests})}
        wanted = {to for _, _, to in requests if to}
        recipients = {}
        if wanted:
            found = Participant.objects.filter(peer_id__in=wanted, status__in=SEATED).exclude(role__in=HIDDEN_ROLES)
            recipients = {p.peer_id: p for p in found}
        accepted, results = [], []
        for sender_peer_id, text, to in requests:
            sender = senders.get(sender_peer_id)
            recipient = recipients.get(to) if to else None
            if sender is None:
                results.append(UserError("not-in-meeting", "You are no longer in this meeting.", "chat"))
            elif to and (recipient is None or recipient.meeting_id != sender.meeting_id):
                results.append(UserError("unknown-peer", f"There is no peer {to[:32]} in this room.", "chat"))
            else:
                message = ChatMessage(
                    meeting_id=sender.meeting_id, sender_peer_id=sender.peer_id, sender_identity=sender.identity,
                    sender_name=sender.display_name, text=text,
                    recipient_peer_id=recipient.peer_id if recipient else "",
                    recipient_identity=recipient.identity if recipient else "",
                )
                accepted.append((message, recipient))
                results.append(message)
        room_messages = Counter(m.meeting_id for m, recipient in accepted if recipient is None)
        next_seq = {meeting_id: take_seqs(meeting_id, count) for meeting_id, count in room_messages.items()}
        for message, recipient in accepted:
            if recipient is None:
                message.seq = next_seq[message.meeting_id]
                next_seq[message.meeting_id] += 1
        ChatMessage.objects.bulk_create([message for message, _ in accepted])
    recipients_of = {id(message): recipient for message, recipient in accepted}
    return [result if isinstance(result, UserError) else delivery(result, recipients_of[id(result)])
            for result in results]


def delivery(message, recipient):
    described = describe_chat(message)
    if recipient is None:
        return Outbox(events=[{"type": "chat", "seq": message.seq, "message": described}]), described
    notice = {"type": "peer.notice", "action": "chat", "message": described}
    return Outbox(notices=[(recipient.channel_name, notice)]), described


class ChatWriter:
    """This worker's queue of chat messages and the task that writes them."""

    def __init__(self):
        self.pending = []
        self.task = None

    def post(self, consumer, text, to):
        self.pending.append((consumer, text, to))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.write())

    async def write(self):
        while self.pending:
            batch, self.pending = self.pending[:BATCH_LIMIT], self.pending[BATCH_LIMIT:]
            try:
                results = await database_sync_to_async(store_chat_messages)(
                    [(consumer.peer_id, text, to) for consumer, text, to in batch]
                )
            except Exception:
                log.exception("could not store %d chat messages", len(batch))
                results = [UserError("internal-error", "The message could not be stored; send it again.", "chat")
                           for _ in batch]
            # The whole batch's events first, in seq order: a reply to a sender may yield to other consumers,
            # and an event they publish meanwhile would overtake the rest of the batch (a needless gap).
            for (consumer, _, _), result in zip(batch, results):
                if not isinstance(result, UserError):
                    await self.guarded(apublish(result[0], consumer.slug), consumer)
            for (consumer, _, to), result in zip(batch, results):
                if consumer.closing:
                    continue
                if isinstance(result, UserError):
                    reply = protocol.error_message(result.code, result.message, in_reply_to=result.in_reply_to)
                elif to is not None:
                    reply = {"type": "chat", "message": result[1]}  # the sender's copy of its private message
                else:
                    continue
                await self.guarded(consumer.send_payload(reply), consumer)

    @staticmethod
    async def guarded(step, consumer):
        try:
            await step
        except Exception:
            log.exception("could not deliver a chat message in room %s", consumer.slug)


writer = ChatWriter()
