from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import access, actions, guests
from meetings.forms import AddMemberForm, JoinForm, RoomForm, RoomSettingsForm
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


def room(request, slug):
    """The meeting room, for people allowed in and for guests who came through one of its invites."""
    room = get_object_or_404(Room.objects.select_related("owner"), slug=slug)
    if request.user.is_authenticated and access.can_enter(request.user, room):
        return render(request, "meetings/room.html", {"room": room, "can_manage": access.can_manage(request.user, room)})
    guest = guests.guest_for(request, room)
    if guest is not None:
        return render(request, "meetings/room.html", {"room": room, "guest": guest, "can_manage": False})
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return refuse(request, room, "enter")


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


def render_settings(request, room, room_form=None, member_form=None, status=200):
    context = {
        "room": room,
        "room_form": room_form or RoomSettingsForm(instance=room),
        "member_form": member_form or AddMemberForm(room=room),
        "memberships": room.memberships.select_related("user").order_by("user__username"),
        "room_link": request.build_absolute_uri(room.get_absolute_url()),
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
        ice_transport_policy=data["ice_transport_policy"],
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
def room_add_member(request, room):
    member_form = AddMemberForm(request.POST, room=room)
    if not member_form.is_valid():
        return render_settings(request, room, member_form=member_form)
    user = member_form.cleaned_data["who"]
    actions.add_member(room, user)
    messages.success(request, _("%(name)s is now a member of this room.") % {"name": user.name})
    return redirect("room_settings", slug=room.slug)


@require_POST
@manager_only
def room_remove_member(request, room, user_id):
    user = get_object_or_404(get_user_model(), pk=user_id)
    actions.remove_member(room, user)
    messages.success(request, _("%(name)s is no longer a member of this room.") % {"name": user.name})
    return redirect("room_settings", slug=room.slug)


@manager_only
def room_delete(request, room):
    if request.method == "POST":
        name = room.name
        publish(actions.delete_room(room, actions.Actor.user(request.user)))
        messages.success(request, _("The room “%(name)s” was deleted.") % {"name": name})
        return redirect("my_rooms")
    return render(request, "meetings/delete_room.html", {"room": room})
