"""The roster's hot reads as plain SQL: what every join runs, without the ORM building its queries each time.

Building a query costs the ORM far more than running it here: `Room.objects.filter(slug=...).first()` took about
1.7 ms where the same SELECT on a cursor took 0.09 ms (docs/performance.md). These return model instances, made
with Model.from_db as the ORM makes them, so the rest of the code cannot tell the difference. Writes stay with the
ORM, but for the one row every join adds (`insert`): that is still made by the model, its defaults and all, and only
its INSERT is plain SQL.
"""

from contextlib import contextmanager
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection
from django.db.models import signals
from django.utils.dateparse import parse_datetime

from meetings.models import Room
from signalling.models import ChatMessage, Meeting, Participant


class _DriverCursor:
    """SQLite's own cursor behind the few methods this module uses, with Django's `%s` placeholders turned into `?`
    once per statement and the driver's errors turned into Django's (an IntegrityError is still one)."""

    __slots__ = ("raw",)
    statements = {}  # Django's SQL -> SQLite's

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql, params=()):
        converted = self.statements.get(sql)
        if converted is None:
            converted = self.statements[sql] = sql.replace("%s", "?")
        with connection.wrap_database_errors:
            self.raw.execute(converted, params)

    @property
    def description(self):
        return self.raw.description

    def fetchone(self):
        return self.raw.fetchone()

    def fetchall(self):
        return self.raw.fetchall()


@contextmanager
def hot_cursor():
    """A cursor for the statements every join runs. On SQLite it is the driver's own: Django's cursor costs about 9 µs
    a statement more (checks, wrappers, and debug logging these statements do without), and a join runs ten, on the
    writer thread, holding the GIL the sockets need (docs/performance.md). Elsewhere it is Django's."""
    if connection.vendor != "sqlite":
        with connection.cursor() as django_cursor:
            yield django_cursor
        return
    if connection.connection is None or connection.needs_rollback:
        connection.ensure_connection()
        connection.validate_no_broken_transaction()
    raw = connection.connection.cursor()
    try:
        yield _DriverCursor(raw)
    finally:
        raw.close()


_columns = {}  # model -> {column name: field}


def fields_by_column(model):
    found = _columns.get(model)
    if found is None:
        found = _columns[model] = {field.column: field for field in model._meta.concrete_fields}
    return found


_readers = {}  # (model, the cursor's column names) -> what instances() needs to read its rows


def reader(model, names):
    """How to turn rows with these columns into instances of a model: worked out once per query shape."""
    found = _readers.get((model, names))
    if found is None:
        fields = fields_by_column(model)
        known = [fields[name] for name in names]
        attnames = [field.attname for field in known]
        datetimes = [index for index, field in enumerate(known) if field.get_internal_type() == "DateTimeField"]
        booleans = [index for index, field in enumerate(known) if field.get_internal_type() == "BooleanField"]
        # from_db takes the values in the model's field order, which need not be the table's column order.
        position = {attname: index for index, attname in enumerate(attnames)}
        order = [field.attname for field in model._meta.concrete_fields]
        found = _readers[(model, names)] = (datetimes, booleans, order, [position[name] for name in order])
    return found


def instances(model, cursor):
    """Turn the rows of `SELECT * FROM <model's table>` into model instances."""
    datetimes, booleans, order, positions = reader(model, tuple(column[0] for column in cursor.description))
    alias = connection.alias
    made = []
    for row in cursor.fetchall():
        values = list(row)
        for index in datetimes:  # SQLite hands back naive datetimes (or text); they are UTC
            value = values[index]
            if isinstance(value, str):
                value = parse_datetime(value)
            if value is not None and settings.USE_TZ and value.tzinfo is None:
                value = value.replace(tzinfo=dt_timezone.utc)
            values[index] = value
        for index in booleans:
            if values[index] is not None:
                values[index] = bool(values[index])
        made.append(model.from_db(alias, order, [values[index] for index in positions]))
    return made


def select(model, where, params, suffix=""):
    with hot_cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table} WHERE {where}{suffix}", params)
        return instances(model, cursor)


def for_update():
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def room_by_slug(slug, lock=False):
    """The room with this slug, locked until the transaction ends when `lock` (PostgreSQL; SQLite's transaction
    holds the whole database already), or None."""
    found = select(Room, "slug = %s", [slug], for_update() if lock else "")
    return found[0] if found else None


def live_meeting(room):
    found = select(Meeting, "room_id = %s AND ended_at IS NULL", [room.pk])
    if not found:
        return None
    found[0].room = room
    return found[0]


def participants(meeting):
    return select(Participant, "meeting_id = %s", [meeting.pk])


def removals(meeting):
    """(identity, device, address, invite) of everyone removed from the meeting."""
    with hot_cursor() as cursor:
        cursor.execute("SELECT identity, device, address, invite FROM signalling_removal WHERE meeting_id = %s",
                       [meeting.pk])
        return cursor.fetchall()


def room_chat(meeting, up_to_seq, count):
    """The last `count` room messages of the meeting up to a seq, oldest first."""
    if count <= 0:
        return []
    found = select(ChatMessage, "meeting_id = %s AND seq IS NOT NULL AND seq <= %s", [meeting.pk, up_to_seq],
                   f" ORDER BY seq DESC LIMIT {int(count)}")
    return list(reversed(found))


def private_chat(meeting, identity, count):
    """The last `count` private messages to or from an identity in the meeting, oldest first."""
    if count <= 0:
        return []
    found = select(ChatMessage, "meeting_id = %s AND seq IS NULL AND (sender_identity = %s OR recipient_identity = %s)",
                   [meeting.pk, identity, identity], f" ORDER BY sent_at DESC, id DESC LIMIT {int(count)}")
    return list(reversed(found))


_inserts = {}  # (model, vendor) -> (sql, fields)


def insert(instance):
    """Save a new instance as its INSERT alone: every concrete field but the primary key, each value prepared for
    the database as save() prepares it. The ORM's save() spent about 0.2 ms of a join's CPU building this INSERT
    (docs/performance.md). A model with pre_save or post_save receivers is saved the usual way, so they still run."""
    model = type(instance)
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        instance.save(force_insert=True)
        return instance
    key = (model, connection.vendor)
    made = _inserts.get(key)
    if made is None:
        meta = model._meta
        fields = [field for field in meta.concrete_fields if not field.primary_key]
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}")
        made = _inserts[key] = (sql, fields)
    sql, fields = made
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with hot_cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
