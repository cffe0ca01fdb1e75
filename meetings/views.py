from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings import access, actions, guests, invites
from meetings.forms import AddMemberForm, JoinForm, RoomForm, RoomSettingsForm
from meetings.invite_views import GuestNameForm
from meetings.models import Room, RoomVisit
from signalling.publish import publish

RECENT_ROOMS_ON_HOME = 6


def rooms_for(user):
    """Return the rooms a user owns or is a member of, newest first."""
    return (
        Room.objects.filter(Q(owner=user) | Q(memberships__user=user))
        .select_related("owner")
        .distinct()
        .order_by("-created")
    )


def recent_rooms(user, limit=RECENT_ROOMS_ON_HOME):
    """Return the rooms a user joined lately, owns or is a member of: the last joined first, then the newest.

    A room the user may no longer enter (taken off its members, say) is left out.
    """
    visits = {
        visit.room_id: visit.last_joined
        for visit in RoomVisit.objects.filter(user=user).order_by("-last_joined")[: limit * 4]
    }
    candidates = {room.pk: room for room in rooms_for(user)[:limit]}
    for room in Room.objects.filter(pk__in=visits).select_related("owner"):
        if access.can_enter(user, room):
            candidates[room.pk] = room
    return sorted(candidates.values(), key=lambda room: visits.get(room.pk, room.created), reverse=True)[:limit]


def refuse(request, room, reason):
    """Answer 403 with a page saying why and whose room it is; reason is "enter" or "manage"."""
    return render(request, "meetings/no_access.html", {"room": room, "reason": reason}, status=403)


def home(request):
    rooms = recent_rooms(request.user) if request.user.is_authenticated else []
    return render(request, "meetings/home.html", {"rooms": rooms, "join_form": JoinForm()})


def join_room(request):
    """Go to the room named by a pasted link or a typed code."""
    form = JoinForm(request.GET or None)
    if form.is_valid():
        return redirect("room", slug=form.cleaned_data["code"])
    rooms = recent_rooms(request.user) if request.user.is_authenticated else []
    return render(request, "meetings/home.html", {"rooms": rooms, "join_form": form})


@login_required
def create_room(request):
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        room = actions.create_room(
            request.user, form.cleaned_data["name"], form.cleaned_data["access"], form.cleaned_data["max_participants"]
        )
        messages.success(request, _("Your room is ready. Share its link with the people you want to meet."))
        return redirect(room)
    return render(request, "meetings/create_room.html", {"form": form})


@login_required
def my_rooms(request):
    owned = Room.objects.filter(owner=request.user).annotate(member_count=Count("memberships"))
    member = Room.objects.filter(memberships__user=request.user).exclude(owner=request.user).select_related("owner")
    return render(request, "meetings/my_rooms.html", {"owned": owned, "member": member})


@never_cache
def room(request, slug):
    """The meeting room, for people allowed in and for guests; everyone else is told what they can do next."""
    room = get_object_or_404(Room.objects.select_related("owner"), slug=slug)
    if request.user.is_authenticated and access.can_enter(request.user, room):
        return render_room(request, room)
    had_entry, by_link = guests.has_entry_for(request, room), guests.came_by_link(request, room)
    guest = guests.guest_for(request, room)
    if guest is not None:
        return render_room(request, room, guest)
    if had_entry:
        # Not a sign-in form: they came as a guest, and are told why that no longer works.
        reason = "closed-to-guests" if by_link else "invite-unusable"
        return render(request, "meetings/guest_refused.html", {"room": room, "reason": reason}, status=403)
    if room.lets_in_guests and not request.user.is_authenticated:
        return join_as_guest(request, room)
    if not request.user.is_authenticated:
        return render(request, "meetings/sign_in_to_join.html", {"room": room, "next": request.get_full_path()})
    return refuse(request, room, "enter")


def render_room(request, room, guest=None):
    can_manage = guest is None and access.can_manage(request.user, room)
    context = {"room": room, "guest": guest, "can_manage": can_manage, "room_link": room_link(request, room)}
    return render(request, "meetings/room.html", context)


def room_link(request, room):
    return request.build_absolute_uri(room.get_absolute_url())


def join_as_guest(request, room):
    """The room's own link, opened without an account where the room lets in anyone: a name, then the room."""
    form = GuestNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        guests.admit_link_guest(request, room, form.cleaned_data["name"])
        return redirect(room)
    return render(request, "meetings/invite.html", {"room": room, "form": form, "by_link": True,
                                                    "action": room.get_absolute_url()})


def manager_only(view):
    """Look the room up by slug and let only those who may manage it through; others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, slug, **kwargs):
        room = get_object_or_404(Room.objects.select_related("owner"), slug=slug)
        if not access.can_manage(request.user, room):
            return refuse(request, room, "manage")
        return view(request, room, **kwargs)

    return wrapper


INVITE_LIFETIMES = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7), "": None}


def render_settings(request, room, room_form=None, member_form=None, status=200):
    now = timezone.now()
    invite_rows = list(room.invites.order_by("-created", "-pk")[:30])
    context = {
        "invites": [(invite, invite.is_usable(now)) for invite in invite_rows],
        "room": room,
        "room_form": room_form or RoomSettingsForm(instance=room),
        "member_form": member_form or AddMemberForm(room=room),
        "memberships": room.memberships.select_related("user").order_by("added"),
        "room_link": room_link(request, room),
    }
    return render(request, "meetings/room_settings.html", context, status=status)


@manager_only
def room_settings(request, room):
    if request.method != "POST":
        return render_settings(request, room)
    # Bind to a copy so a rejected change does not show up in the page's heading.
    room_form = RoomSettingsForm(request.POST, instance=Room.objects.get(pk=room.pk))
    if not room_form.is_valid():
        return render_settings(request, room, room_form=room_form)
    save_room_settings(room, room_form.cleaned_data, request.user)
    messages.success(request, _("The room's settings were saved."))
    return redirect("room_settings", slug=room.slug)


def save_room_settings(room, data, by):
    """Save the settings form through update_room, which checks, saves and tells the meeting."""
    password = data["password"] if data.get("password") else ("" if data.get("clear_password") else None)
    publish(actions.update_room(
        room, actions.Actor.user(by), password=password, name=data["name"], access=data["access"],
        max_participants=data["max_participants"], requires_approval=data["requires_approval"],
        ice_transport_policy=data["ice_transport_policy"], media_route=data["media_route"],
    ))


@require_POST
@manager_only
def room_lock(request, room):
    locked = request.POST.get("locked") == "1"
    publish(actions.set_locked(room, locked, actions.Actor.user(request.user)))
    if locked:
        messages.success(request, _("The room is locked: nobody new can join."))
    else:
        messages.success(request, _("The room is unlocked."))
    return redirect("room_settings", slug=room.slug)


@require_POST
@manager_only
def room_invite_create(request, room):
    """Make a guest invite link to the room, for an hour, a day, a week or until revoked."""
    lifetime = request.POST.get("lifetime", "")
    if lifetime not in INVITE_LIFETIMES:
        messages.error(request, _("Choose how long the link should work."))
        return redirect("room_settings", slug=room.slug)
    expires_at = timezone.now() + INVITE_LIFETIMES[lifetime] if INVITE_LIFETIMES[lifetime] else None
    invite = invites.create_invite(room, created_by=request.user, expires_at=expires_at)
    messages.success(request, _("A new guest invite link is ready: copy it from the list below."))
    return redirect(reverse("room_settings", args=[room.slug]) + f"#invite-{invite.pk}")


@require_POST
@manager_only
def room_invite_revoke(request, room, invite_id):
    invite = get_object_or_404(room.invites, pk=invite_id)
    invites.revoke_invite(invite)
    messages.success(request, _("The invite link was revoked: it lets nobody else in, and its guests get no new passes."))
    return redirect("room_settings", slug=room.slug)


@require_POST
@manager_only
def room_add_member(request, room):
    member_form = AddMemberForm(request.POST, room=room)
    if not member_form.is_valid():
        return render_settings(request, room, member_form=member_form)
    who, user = member_form.cleaned_data["who"]
    actions.add_member(room, user, added_as=who)
    # The same answer whether or not an account answers to it: the settings never tell who has an account.
    messages.success(request, _("“%(who)s” is on the members list: if that is someone's username or email, they "
                                "can come in.") % {"who": who})
    return redirect("room_settings", slug=room.slug)


@require_POST
@manager_only
def room_remove_member(request, room, member_id):
    member = get_object_or_404(room.memberships, pk=member_id)
    actions.remove_member(room, member_id=member.pk)
    messages.success(request, _("“%(who)s” is no longer on the members list.") % {"who": member.label})
    return redirect("room_settings", slug=room.slug)


@manager_only
def room_delete(request, room):
    if request.method == "POST":
        name = room.name
        publish(actions.delete_room(room, actions.Actor.user(request.user)))
        messages.success(request, _("The room “%(name)s” was deleted.") % {"name": name})
        return redirect("my_rooms")
    return render(request, "meetings/delete_room.html", {"room": room})
