from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from meetings import access, actions
from meetings.forms import RoomForm
from meetings.models import Room


def home(request):
    rooms = []
    if request.user.is_authenticated:
        rooms = Room.objects.filter(owner=request.user)[:5]
    return render(request, "meetings/home.html", {"rooms": rooms})


@login_required
def create_room(request):
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        room = actions.create_room(
            request.user, form.cleaned_data["name"], form.cleaned_data["access"], form.cleaned_data["max_participants"]
        )
        return redirect(room)
    return render(request, "meetings/create_room.html", {"form": form})


@login_required
def my_rooms(request):
    owned = Room.objects.filter(owner=request.user)
    member = Room.objects.filter(memberships__user=request.user)
    return render(request, "meetings/my_rooms.html", {"owned": owned, "member": member})


@login_required
def room(request, slug):
    room = get_object_or_404(Room, slug=slug)
    if not access.can_enter(request.user, room):
        return render(request, "meetings/no_access.html", {"room": room}, status=403)
    return render(request, "meetings/room.html", {"room": room})
