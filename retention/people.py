"""When an account is deleted, so is what its person wrote in chat (docs/operations.md "Retention").

Deleting, not anonymising: a message's text can name or describe its author as surely as a sender name, so a
message kept under "someone" would still be their personal data. Private messages others sent to them lose only
the recipient's identity. Runs before the user's row goes (pre_delete), in the same transaction.
"""


def forget_chat_of_deleted_user(sender, instance, **kwargs):
    from signalling.models import ChatMessage, Participant

    identity = f"user:{instance.pk}"
    ChatMessage.objects.filter(sender_identity=identity).delete()
    ChatMessage.objects.filter(recipient_identity=identity).update(recipient_identity="deleted-user")
    # Rosters of meetings that have ended keep no name of theirs either (a live meeting's roster is the
    # signalling server's: it lets go of them when their socket goes).
    Participant.objects.filter(identity=identity, meeting__ended_at__isnull=False).update(
        identity="deleted-user", display_name="Deleted user"
    )
