"""Chat: stored with the meeting, written in batches so that a busy room costs one transaction per batch.

A worker's chat messages wait in one queue; one task writes whatever has gathered in a single transaction (a
block of seqs per meeting from one atomic update, then one insert) and publishes the events in order. Quiet
rooms see a batch of one, so a message costs one transaction; busy ones share it. The sender's consumer does
not wait for the write, so its offers and candidates never queue behind the database.
"""

import asyncio
import logging
import time
from collections import Counter

from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.utils import timezone

from observability import metrics
from signalling import db, protocol
from signalling.contract import HIDDEN_ROLES
from signalling.events import Outbox
from signalling.models import ChatMessage, Meeting, Participant
from signalling.protocol import UserError
from signalling.publish import apublish
from signalling.wire import SEATED, describe_chat

log = logging.getLogger(__name__)
BATCH_LIMIT = 500  # rows of 9 values: within SQLite's 32,766 parameters, and PostgreSQL's 65,535


def take_seqs(meeting_id, count):
    """Take `count` consecutive seqs of a meeting atomically; return the first."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Meeting._meta.db_table} SET seq = seq + %s WHERE id = %s RETURNING seq",
                       [count, meeting_id])
        return cursor.fetchone()[0] - count + 1


def store_chat_messages(requests):
    """Store [(sender peer id, room slug, text, addressee peer id or None)] in one transaction.

    Return, for each request in order, (Outbox, the message as its sender sees it) or the UserError refusing it.
    Plain SQL, three statements however large the batch (one read of the people concerned, one seq update per
    meeting, one insert): with the ORM, building models and queries cost more than the writes themselves.

    A batch the database refuses is stored again one message at a time, so that one message it cannot take
    (whatever the parser let through) fails alone, never the other rooms' chat.
    """
    try:
        return store_together(requests)
    except Exception:
        if len(requests) == 1:
            log.exception("could not store a chat message")
            return [UserError("internal-error", "The message could not be stored.", "chat")]
        log.warning("a batch of %d chat messages failed; storing them one by one", len(requests))
        return [result for request in requests for result in store_chat_messages([request])]


def store_together(requests):
    sent_at = timezone.now()
    wanted = list({peer_id for sender, _, _, to in requests for peer_id in (sender, to) if peer_id})
    people = Participant._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT peer_id, meeting_id, identity, display_name, role, status, channel_name FROM {people} "
            f"WHERE peer_id IN ({', '.join(['%s'] * len(wanted))})",
            wanted,
        )
        found = {row[0]: row for row in cursor.fetchall()}
        accepted, results = [], []
        for sender_peer_id, slug, text, to in requests:
            sender = found.get(sender_peer_id)
            recipient = found.get(to) if to else None
            if recipient is not None and (recipient[5] not in SEATED or recipient[4] in HIDDEN_ROLES):
                recipient = None
            if sender is None:
                results.append(UserError("not-in-meeting", "You are no longer in this meeting.", "chat"))
            elif to and (recipient is None or recipient[1] != sender[1]):
                results.append(UserError("unknown-peer", f"There is no peer {to[:32]} in this room.", "chat"))
            else:
                message = ChatMessage(
                    meeting_id=sender[1], sender_peer_id=sender[0], sender_identity=sender[2],
                    sender_name=sender[3], text=text, sent_at=sent_at,
                    recipient_peer_id=recipient[0] if recipient else "",
                    recipient_identity=recipient[2] if recipient else "",
                )
                accepted.append((message, slug, recipient[6] if recipient else None))
                results.append(message)
        room_messages = Counter(m.meeting_id for m, _, channel in accepted if channel is None)
        next_seq = {meeting_id: take_seqs(meeting_id, count) for meeting_id, count in room_messages.items()}
        for message, _, channel in accepted:
            if channel is None:
                message.seq = next_seq[message.meeting_id]
                next_seq[message.meeting_id] += 1
        insert_chat_messages(cursor, [message for message, _, _ in accepted])
    where = {id(message): (slug, channel) for message, slug, channel in accepted}
    return [result if isinstance(result, UserError) else delivery(result, *where[id(result)])
            for result in results]


CHAT_COLUMNS = ("meeting_id", "seq", "sender_peer_id", "sender_identity", "sender_name", "recipient_peer_id",
                "recipient_identity", "text", "sent_at")


def insert_chat_messages(cursor, messages):
    """Insert the messages in one statement and set their ids (SQLite 3.35+ and PostgreSQL return them in order)."""
    if not messages:
        return
    sent_at = connection.ops.adapt_datetimefield_value(messages[0].sent_at)
    row = f"({', '.join(['%s'] * len(CHAT_COLUMNS))})"
    params = []
    for message in messages:
        params += [message.meeting_id, message.seq, message.sender_peer_id, message.sender_identity,
                   message.sender_name, message.recipient_peer_id, message.recipient_identity, message.text, sent_at]
    cursor.execute(
        f"INSERT INTO {ChatMessage._meta.db_table} ({', '.join(CHAT_COLUMNS)}) "
        f"VALUES {', '.join([row] * len(messages))} RETURNING id",
        params,
    )
    for message, (pk,) in zip(messages, cursor.fetchall()):
        message.pk = message.id = pk


def delivery(message, slug, channel):
    """What a stored message sends: a room event, or a notice to the addressee's channel when it is private."""
    described = describe_chat(message)
    if channel is None:
        return Outbox(slug, events=[{"type": "chat", "seq": message.seq, "message": described}]), described
    notice = {"type": "peer.notice", "action": "chat", "message": described}
    return Outbox(slug, notices=[(channel, notice)]), described


class ChatWriter:
    """This worker's queue of chat messages and the task that writes and publishes them, batch after batch.

    A batch's events are published as soon as it is stored, from the same task, as the consumers publish theirs:
    so they leave this worker in about the order they were committed, and clients see few seq gaps. What the
    sender must hear back (its copy of a private message, or a refusal) goes to its socket through the socket's
    own door, `post()`, as a `chat.reply`.
    """

    def __init__(self):
        self.pending = []
        self.task = None

    def post(self, sender, peer_id, slug, text, to, received_at):
        """Queue a message from `sender` (a socket, told the outcome through its post()), seated as `peer_id`;
        `received_at` is when it arrived (time.monotonic()), for the relay-time metric."""
        self.pending.append((sender, peer_id, slug, text, to, received_at))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.write())

    async def write(self):
        while self.pending:
            batch, self.pending = self.pending[:BATCH_LIMIT], self.pending[BATCH_LIMIT:]
            try:
                results = await db.run(store_chat_messages,
                                       [(peer_id, slug, text, to) for _, peer_id, slug, text, to, _ in batch])
            except Exception:
                log.exception("could not store %d chat messages", len(batch))
                results = [UserError("internal-error", "The message could not be stored; send it again.", "chat")
                           for _ in batch]
            await self.publish(batch, results)

    async def publish(self, batch, results):
        # The whole batch's events first, in seq order: replies come after, through each sender's door.
        sends = [self.guarded(apublish(result[0]), slug)
                 for (_, _, slug, _, _, _), result in zip(batch, results) if not isinstance(result, UserError)]
        if getattr(get_channel_layer(), "pipelines_sends", False):
            # Redis: all at once, so that they share round trips; the tasks start in order and each hands its
            # message to the layer's publisher before its first wait, so the order holds.
            await asyncio.gather(*sends)
        else:
            for send in sends:  # in-process: each is done without waiting, so no other event can come between
                await send
        now = time.monotonic()
        for (sender, _, _, _, to, received_at), result in zip(batch, results):
            if not isinstance(result, UserError):
                metrics.relayed("chat", now - received_at)
            if isinstance(result, UserError):
                reply = protocol.error_message(result.code, result.message, in_reply_to=result.in_reply_to)
            elif to is not None:
                reply = {"type": "chat", "message": result[1]}  # the sender's copy of its private message
            else:
                continue
            sender.post({"type": "chat.reply", "payload": reply})

    @staticmethod
    async def guarded(step, slug):
        try:
            await step
        except Exception:
            log.exception("could not deliver a chat message in room %s", slug)


writer = ChatWriter()
